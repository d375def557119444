// `npm run crds:generate`: writes crds/*.yaml from the TypeScript CRD source.
// `--check` exits 1 when the committed files differ (CI), instead of writing.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { renderCrds } from "./crds.js";

const outDir = resolve(import.meta.dirname, "..", "..", "..", "crds");
const check = process.argv.includes("--check");
let stale = 0;
for (const { file, yaml } of renderCrds()) {
  const path = join(outDir, file);
  const current = existsSync(path) ? readFileSync(path, "utf8") : undefined;
  if (current === yaml) continue;
  if (check) {
    console.error(`${path} is out of date: run npm run crds:generate`);
    stale++;
  } else {
    writeFileSync(path, yaml);
    console.log(`wrote ${path}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
