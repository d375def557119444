// npm run loadtest -- --help
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { describeLoad, PROFILE_NAMES, runK6, type MomoAccount, type ProfileName } from "./lib/k6.js";
import { startLocalTarget } from "./lib/local.js";
import { describeTenant, type LoadTarget } from "./lib/tenant-setup.js";

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
}

const program = new Command()
  .name("loadtest")
  .description(
    "Runs a k6 load profile against one tenant of one cell, through the router: dashboard reads (GraphQL),\n" +
      "sales writes, MoMo payment webhooks and WebSocket subscribers timing each sale's delivery.\n" +
      "Prints a summary, writes the full k6 summary as JSON, and exits non-zero when an objective is broken (k6: 99).",
  )
  .addOption(new Option("--profile <name>", "load shape").choices(PROFILE_NAMES).default("smoke"))
  .option("--local", "start the local platform (fresh data folder; DATABASE_URL/REDIS_URL reused when set), sign up a tenant, load it")
  .option("--target <url>", "an existing tenant through the router, e.g. https://pho-bo-hanoi.localstoreplatform.com (needs --token)")
  .option("--token <jwt>", "with --target: access token with a membership for the tenant (env LSP_ACCESS_TOKEN)", process.env.LSP_ACCESS_TOKEN)
  .option("--out <file>", "where the JSON result goes", join("loadtests", "results", `${new Date().toISOString().replace(/[:.]/g, "-")}.json`))
  .option("--load-scale <x>", "multiply every scenario's virtual users", positive, 1)
  .option("--threshold-scale <x>", "loosen latency objectives by this factor (printed; 1 = the objectives)", positive, 1)
  .option("--subscribe-seconds <s>", "how long each WebSocket subscriber holds its socket", positive, 10)
  .option("--cell <name>", "with --target: the Cell serving the tenant, recorded in the result (--local finds it)")
  .addHelpText(
    "after",
    "\nWebhooks run when the cell has a MoMo account for the tenant: --local configures one; for --target set\n" +
      "MOMO_PARTNER_CODE, MOMO_ACCESS_KEY, MOMO_SECRET_KEY (the account in the cell's PAYMENT_PROVIDERS_FILE).\n" +
      "\nExamples:\n" +
      "  npm run loadtest -- --local --profile smoke\n" +
      "  npm run loadtest -- --profile load --target http://pho-bo-hanoi.localhost:8080 --token $TOKEN\n" +
      "In a cluster: npm run loadtest:k8s -- --help (a k6 Job per cell; docs/observability.md).",
  );

async function main(): Promise<number> {
  program.parse();
  const opts = program.opts<{ profile: ProfileName; local?: boolean; target?: string; token?: string; out: string; loadScale: number; thresholdScale: number; subscribeSeconds: number; cell?: string }>();
  if (!opts.local && !opts.target) program.error("error: choose --local or --target <url>");
  if (opts.local && opts.target) program.error("error: --local and --target exclude each other");
  if (opts.target && !opts.token) program.error("error: --target needs --token <jwt> (or LSP_ACCESS_TOKEN)");
  if (opts.local && opts.cell) program.error("error: --cell goes with --target; --local finds the tenant's cell itself");
  const progress = (step: string) => process.stderr.write(`[loadtest] ${step}\n`);

  let target: LoadTarget;
  let momo: MomoAccount | undefined;
  let cell = opts.cell;
  let stop = async () => {};
  if (opts.local) {
    const slug = `k6-${Date.now().toString(36)}`;
    const dataDir = mkdtempSync(join(tmpdir(), "lsp-loadtest-"));
    // Embedded Postgres drops to the postgres user when run as root: it must reach the folder.
    chmodSync(dataDir, 0o777);
    const local = await startLocalTarget(dataDir, slug, progress);
    ({ target, momo, cell } = local);
    stop = async () => {
      await local.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  } else {
    target = await describeTenant(opts.target!, opts.token!);
    const env = process.env;
    if (env.MOMO_PARTNER_CODE && env.MOMO_ACCESS_KEY && env.MOMO_SECRET_KEY) momo = { partnerCode: env.MOMO_PARTNER_CODE, accessKey: env.MOMO_ACCESS_KEY, secretKey: env.MOMO_SECRET_KEY };
  }
  try {
    const resultFile = resolve(opts.out);
    progress(`running profile ${opts.profile} against ${target.tenantUrl}${cell ? ` (cell ${cell})` : ""}`);
    const result = await runK6({ profile: opts.profile, target, momo, cell, resultFile, loadScale: opts.loadScale, thresholdScale: opts.thresholdScale, subscribeSeconds: opts.subscribeSeconds, stdio: "inherit" });
    const machine = result.summary?.machine;
    if (machine) progress(`machine: before ${describeLoad(machine.loadAverageBefore, machine.cores)}; after ${describeLoad(machine.loadAverageAfter, machine.cores)}`);
    progress(result.summary ? `result written to ${resultFile}` : `k6 wrote no result (exit ${result.exitCode})`);
    return result.exitCode;
  } finally {
    progress("stopping");
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`loadtest: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
