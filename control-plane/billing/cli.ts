// `npx tsx control-plane/billing/cli.ts --help`: the billing worker and its one-off commands —
// the cell sync loop, month-end invoicing, dunning, plan changes and invoice exports.
import { writeFileSync } from "node:fs";
import { collectDefaultMetrics, Registry } from "prom-client";
import { Command, Option } from "commander";
import pg from "pg";
import { loadKubeConfig } from "../../common/kube-config.js";
import { createLogger } from "../../common/logger.js";
import { createMetricsServer } from "../http/metrics-server.js";
import { kubernetesTargets, startCellSync } from "../rollups/index.js";
import { createUsageMetrics } from "../usage/index.js";
import { DunningIncompleteError, runDunning, type DunningTransition } from "./dunning.js";
import { invoiceCsv } from "./export-csv.js";
import { invoicePdf } from "./export-pdf.js";
import { getInvoice, recordPayment, type BillingConfig } from "./invoices.js";
import { migrateBilling } from "./migrate.js";
import { planCatalog } from "./plans.js";
import { issueMonth, issueOutstanding } from "./run-month.js";
import { BillingInputError, changePlan } from "./subscriptions.js";
import { KubernetesTenantSuspender, type TenantSuspender } from "./suspension.js";
import { vatConfig, VIETNAM_REDUCED_VAT_PERIODS } from "./vat.js";

const log = createLogger("billing");
const databaseUrl = new Option("--database-url <url>", "the control plane's Postgres").env("DATABASE_URL").makeOptionMandatory();

function config(opts: { vatReduced?: boolean }): BillingConfig {
  return { plans: planCatalog(), vat: vatConfig({ standardRateBasisPoints: 1_000, reducedPeriods: opts.vatReduced ? VIETNAM_REDUCED_VAT_PERIODS : [] }) };
}

async function withPool<T>(url: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    await migrateBilling(pool);
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** The cluster's suspender, connected on first use: a run that changes no Tenant needs no cluster. */
function lazyKubernetesSuspender(): TenantSuspender {
  let suspender: KubernetesTenantSuspender | undefined;
  return { setSuspended: (slug, suspended, reason) => (suspender ??= KubernetesTenantSuspender.fromDefault()).setSuspended(slug, suspended, reason) };
}

const program = new Command().name("billing").description("LSP billing: usage and rollup sync from cells, month-end invoices, dunning, plan changes, invoice exports.");

program
  .command("sync")
  .description("pull every placed Tenant's usage and recent daily sales from its cell, forever (Tenants from KUBECONFIG or in-cluster)")
  .addOption(databaseUrl)
  .addOption(
    new Option("--platform-key <key>", "the platform's master key (PLATFORM_KEY), as the operator holds it; each cell has its own key derived from it for the cell's endpoint, which the sync derives too and presents (the master is never sent)")
      .env("PLATFORM_KEY")
      .makeOptionMandatory(),
  )
  .option("--interval <seconds>", "pause between rounds", "60")
  .addOption(new Option("--metrics-port <port>", "serve Prometheus metrics (usage feed lag per cell, ingest counters) at /metrics and the loop's health at /healthz; 0 = off").env("METRICS_PORT").default("9464"))
  .addOption(new Option("--stall-after <seconds>", "/healthz answers 503 once the loop has not moved (no tenant synced or failed, no round ended) for this long; more than --interval").env("STALL_AFTER").default("600"))
  .action(async (opts: { databaseUrl: string; platformKey: string; interval: string; metricsPort: string; stallAfter: string }) => {
    const intervalSeconds = Number(opts.interval);
    const stallAfterSeconds = Number(opts.stallAfter);
    if (!(intervalSeconds > 0)) return usageError(`--interval '${opts.interval}' must be a number of seconds above 0`);
    if (!(stallAfterSeconds > intervalSeconds)) return usageError(`--stall-after '${opts.stallAfter}' must be a number of seconds above --interval (${opts.interval}): the loop waits that long between rounds`);
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
    await migrateBilling(pool);
    const kc = loadKubeConfig();
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const metrics = createUsageMetrics(registry, pool);
    const loop = startCellSync({ pool, platformKey: opts.platformKey, targets: kubernetesTargets(kc), intervalMs: intervalSeconds * 1000, metrics, log });
    // The liveness probe's question: is the loop still moving? (A wedged pool or a request that
    // never returns stops it; cells that are down do not, each failure is progress.)
    const server = createMetricsServer(registry, () => {
      const idleSeconds = Math.round((Date.now() - loop.lastProgressAt()) / 1000);
      const ok = idleSeconds <= stallAfterSeconds;
      return { ok, status: ok ? "syncing" : "stalled", idleSeconds, stallAfterSeconds };
    });
    if (Number(opts.metricsPort) > 0) server.listen(Number(opts.metricsPort));
    log.info({ intervalSeconds: Number(opts.interval), metricsPort: Number(opts.metricsPort) }, "Started usage and rollup sync");
    const stop = async () => {
      server.close();
      await loop.stop();
      await pool.end();
      process.exit(0);
    };
    process.once("SIGTERM", () => void stop());
    process.once("SIGINT", () => void stop());
  });

program
  .command("issue")
  .description("issue invoices for months that are over (idempotent): every one still owed over the last 12 months, or every subscribed tenant's for --period")
  .addOption(databaseUrl)
  .option("--period <YYYY-MM>", "one month to invoice, listing its invoices issued before too (default: every month still owed, Vietnamese time)")
  .option("--vat-reduced", "apply the decreed 8% VAT periods (only where finance confirmed they cover the service)")
  .action(async (opts: { databaseUrl: string; period?: string; vatReduced?: boolean }) => {
    const { period } = opts;
    const run = await withPool(opts.databaseUrl, (pool) => (period === undefined ? issueOutstanding(pool, config(opts)) : issueMonth(pool, config(opts), period)));
    for (const i of run.issued) console.log(`${i.number}\t${i.status}\t${i.totalVnd} VND`);
    for (const f of run.failed) console.error(`FAILED ${f.tenantSlug}: ${f.error}`);
    process.exitCode = run.failed.length > 0 ? 1 : 0;
  });

program
  .command("dunning")
  .description("move tenants between current, past_due and suspended, setting spec.suspended on their Tenant")
  .addOption(databaseUrl)
  .option("--suspend-after <days>", "days past the due date before suspension", "14")
  .action(async (opts: { databaseUrl: string; suspendAfter: string }) => {
    const suspender = KubernetesTenantSuspender.fromDefault();
    const print = (transitions: DunningTransition[]) => transitions.forEach((t) => console.log(`${t.tenantSlug}\t${t.from} -> ${t.to}\t${t.reason}`));
    try {
      print(await withPool(opts.databaseUrl, (pool) => runDunning(pool, suspender, { policy: { suspendAfterDays: Number(opts.suspendAfter) } })));
    } catch (error) {
      // What did change is reported before the failure (the job fails and is retried).
      if (error instanceof DunningIncompleteError) print(error.transitions);
      throw error;
    }
  });

program
  .command("pay")
  .description("record a payment received for an issued invoice (once per provider reference), then update the tenant's standing at once: a suspended tenant that is paid up is served again now, not at the next dunning run")
  .addOption(databaseUrl)
  .requiredOption("--number <number>", "invoice number, e.g. LSP-202611-pho-24")
  .requiredOption("--amount <vnd>", "amount received, in đồng (a whole number, e.g. 1482300)")
  .requiredOption("--ref <reference>", "the payment's reference at its provider (bank transfer or wallet transaction id); the same reference twice is recorded once")
  .option("--provider <name>", "who carried the payment", "bank-transfer")
  .option("--at <time>", "when it was received, ISO 8601 (default: now)")
  .option("--suspend-after <days>", "days past the due date before suspension, as for dunning", "14")
  .action(async (opts: { databaseUrl: string; number: string; amount: string; ref: string; provider: string; at?: string; suspendAfter: string }) => {
    if (!/^\d{1,15}$/.test(opts.amount)) throw new BillingInputError("amount", `expected a whole number of đồng, got ${JSON.stringify(opts.amount)}`);
    const at = opts.at === undefined ? undefined : new Date(opts.at);
    if (at !== undefined && Number.isNaN(at.getTime())) throw new BillingInputError("at", `expected an ISO 8601 time, got ${JSON.stringify(opts.at)}`);
    await withPool(opts.databaseUrl, async (pool) => {
      const invoice = await recordPayment(pool, { invoiceNumber: opts.number, amountVnd: BigInt(opts.amount), provider: opts.provider, providerRef: opts.ref, ...(at ? { at } : {}) });
      console.log(`${invoice.number}\t${invoice.status}\tpaid ${invoice.paidVnd} of ${invoice.totalVnd} VND`);
      try {
        // The cluster is reached only when the standing changes (a suspension to lift).
        const transitions = await runDunning(pool, lazyKubernetesSuspender(), { tenants: [invoice.tenantSlug], policy: { suspendAfterDays: Number(opts.suspendAfter) } });
        for (const t of transitions) console.log(`${t.tenantSlug}\t${t.from} -> ${t.to}\t${t.reason}`);
      } catch (error) {
        console.error(`billing: the payment is recorded, but updating ${invoice.tenantSlug}'s standing failed (${(error as Error).message}); the next dunning run retries`);
        process.exitCode = 1;
      }
    });
  });

program
  .command("plan")
  .description("change a tenant's plan from a local day on (prorated on its invoice)")
  .addOption(databaseUrl)
  .requiredOption("--tenant <slug>", "tenant slug")
  .requiredOption("--plan <id>", "starter, growth, chain or cancelled")
  .requiredOption("--from <YYYY-MM-DD>", "first local day on the new plan")
  .action(async (opts: { databaseUrl: string; tenant: string; plan: string; from: string }) => {
    await withPool(opts.databaseUrl, (pool) => changePlan(pool, planCatalog(), { tenantSlug: opts.tenant, plan: opts.plan, effectiveOn: opts.from }));
    console.log(`${opts.tenant}: ${opts.plan} from ${opts.from}`);
  });

program
  .command("export")
  .description("write an invoice as CSV or PDF")
  .addOption(databaseUrl)
  .requiredOption("--number <number>", "invoice number, e.g. LSP-202611-pho-24")
  .addOption(new Option("--format <format>", "file format").choices(["csv", "pdf"]).default("pdf"))
  .requiredOption("--out <file>", "where to write it")
  .action(async (opts: { databaseUrl: string; number: string; format: "csv" | "pdf"; out: string }) => {
    const invoice = await withPool(opts.databaseUrl, (pool) => getInvoice(pool, opts.number));
    if (!invoice) return usageError(`no invoice '${opts.number}'`);
    writeFileSync(opts.out, opts.format === "csv" ? invoiceCsv(invoice) : await invoicePdf(invoice));
    console.log(`wrote ${opts.out}`);
  });

/** A bad option value: said on stderr, exit status 2. */
function usageError(message: string): never {
  console.error(`billing: ${message}`);
  process.exit(2);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await program.parseAsync().catch((error: Error) => {
    console.error(`billing: ${error.message}`);
    process.exit(1);
  });
}
