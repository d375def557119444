// `npx tsx images/main.ts --help`: lint the LSP Dockerfile(s) without Docker.
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { Command } from "commander";
import { lintDockerfile } from "./lint.js";

const DEFAULT = resolve(import.meta.dirname, "Dockerfile");

new Command("images")
  .description("Lint Dockerfiles: dockerfile-utils' validator plus LSP's rules (multi-stage, pinned bases, numeric non-root USER, exec-form ENTRYPOINT, documented probes).")
  .command("lint", { isDefault: true })
  .argument("[files...]", "Dockerfiles to lint", [DEFAULT])
  .action((files: string[]) => {
    let failed = false;
    for (const file of files) {
      const findings = lintDockerfile(readFileSync(file, "utf8"));
      for (const f of findings) console.error(`${relative(process.cwd(), file)}:${f.line}  ${f.rule}  ${f.message}`);
      if (findings.length === 0) console.log(`${relative(process.cwd(), file)}: ok`);
      failed ||= findings.length > 0;
    }
    process.exit(failed ? 1 : 0);
  })
  .parent!.parse();
