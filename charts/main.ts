// `npx tsx charts/main.ts --help`: lint, render and sync the LSP Helm chart (charts/lsp) with the
// helm binary built by scripts/toolchain, so nobody needs helm on PATH.
import { spawnSync } from "node:child_process";
import { Command } from "commander";
import { toolPath } from "../scripts/services/toolchain.js";
import { actualChartFiles, CHART_DIR, expectedChartFiles, writeChartFiles } from "./sync.js";

function runHelm(args: string[]): number {
  return spawnSync(toolPath("helm"), args, { stdio: "inherit" }).status ?? 1;
}

function drifted(): string[] {
  const actual = actualChartFiles();
  const expected = expectedChartFiles();
  const paths = new Set([...actual.keys(), ...expected.keys()]);
  return [...paths].filter((p) => actual.get(p) !== expected.get(p));
}

const program = new Command("chart").description("The LSP Helm chart (charts/lsp): lint, render, and sync its generated files.");

program
  .command("lint")
  .description("fail when the chart's CRD/RBAC copies drifted from their sources, then `helm lint --strict` (values.schema.json included)")
  .action(() => {
    const stale = drifted();
    if (stale.length > 0) {
      console.error(`charts/lsp is out of date with its sources: ${stale.join(", ")}\nRun: npm run chart:sync`);
      process.exit(1);
    }
    process.exit(runHelm(["lint", "--strict", CHART_DIR]));
  });

program
  .command("template")
  .description("render the chart like `helm template lsp charts/lsp -n lsp-system`; other flags go to helm")
  .argument("[helmArgs...]", "passed to helm, e.g. --set router.replicas=3 -f my-values.yaml")
  .allowUnknownOption()
  .option("--release <name>", "release name", "lsp")
  .option("-n, --namespace <ns>", "release namespace", "lsp-system")
  .action((helmArgs: string[], opts: { release: string; namespace: string }) => {
    process.exit(runHelm(["template", opts.release, CHART_DIR, "--namespace", opts.namespace, ...helmArgs]));
  });

program
  .command("sync")
  .description("copy crds/*.yaml and operator/rbac.ts's rules into charts/lsp/files/ (run after npm run crds:generate or an RBAC change)")
  .action(() => {
    for (const path of writeChartFiles()) console.log(`wrote charts/lsp/${path}`);
  });

program.addHelpText("after", "\nExamples:\n  npm run chart:lint\n  npm run chart:template -- --set operator.replicas=3 | less\n  npm run chart:sync\n\nSee docs/helm.md.");
program.parse();
