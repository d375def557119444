#!/usr/bin/env -S npx tsx
// `lsp`: manage LocalStore Platform tenants and cells — against the local platform by default, or
// any cluster with --kubeconfig. Takes the very manifests `kubectl apply` takes.
import { Command, Option } from "commander";
import { apply, CliError, describe, get, remove, type Output } from "./commands.js";
import { rebalanceCommand } from "./rebalance.js";
import { resolveTarget, TargetError } from "./target.js";

const io: Output = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

const program = new Command("lsp")
  .description("Manage LocalStore Platform tenants and cells.\nTargets the local platform (scripts/start) unless --kubeconfig or $KUBECONFIG names a cluster.")
  .option("--kubeconfig <path>", "kubeconfig of the cluster to use (default: $KUBECONFIG, else the local platform)")
  .option("--context <name>", "kubeconfig context to use")
  .option("--local", "use the local platform even when $KUBECONFIG is set")
  .showHelpAfterError()
  .addHelpText("after", "\nExamples:\n  lsp apply -f examples/tenant-shared.yaml\n  lsp get tenants\n  lsp describe tenant pho-bo-hanoi\n  lsp delete tenant pho-bo-hanoi");

const target = () => resolveTarget(program.opts<{ kubeconfig?: string; context?: string; local?: boolean }>());

program
  .command("apply")
  .description("create or update the resources in a manifest file (multi-document YAML or JSON; - for stdin)")
  .requiredOption("-f, --filename <file>", "manifest file")
  .option("--dry-run", "validate on the server without saving")
  .action(async (o: { filename: string; dryRun?: boolean }) => {
    if (!(await apply(target(), o.filename, io, o.dryRun))) process.exitCode = 1;
  });

program
  .command("get")
  .description("list resources (tenants|tn, cells) or show one")
  .argument("<kind>", "tenants, tenant, tn or cells")
  .argument("[name]", "a single resource")
  .addOption(new Option("-o, --output <format>", "output format").choices(["table", "wide", "yaml", "json"]).default("table"))
  .action(async (kind: string, name: string | undefined, o: { output: "table" | "wide" | "yaml" | "json" }) => {
    if (!(await get(target(), kind, name, o.output, io))) process.exitCode = 1;
  });

program
  .command("describe")
  .description("show a resource's spec, status and conditions")
  .argument("<kind>")
  .argument("<name>")
  .action(async (kind: string, name: string) => {
    if (!(await describe(target(), kind, name, io))) process.exitCode = 1;
  });

program
  .command("delete")
  .description("delete resources by kind and name, or those in a manifest file")
  .argument("[kind]")
  .argument("[names...]")
  .option("-f, --filename <file>", "manifest file")
  .action(async (kind: string | undefined, names: string[], o: { filename?: string }) => {
    if (!(await remove(target(), kind, names, o.filename, io))) process.exitCode = 1;
  });

program.addCommand(rebalanceCommand(target, io));

program.parseAsync().catch((error: unknown) => {
  if (error instanceof CliError || error instanceof TargetError) io.err(`error: ${error.message}`);
  else io.err(`error: ${(error as Error).message ?? String(error)}`);
  process.exitCode = 1;
});
