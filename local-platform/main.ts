// `scripts/start`: the whole LocalStore Platform on this machine. Ctrl-C stops it cleanly; data
// stays in .lsp/data until `scripts/start reset`.
import { Command, InvalidArgumentError } from "commander";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createLogger, surviveDisconnects } from "../common/index.js";
import { importSales } from "../cell/import/index.js";
import { cellDatabaseNames } from "../cell/provisioning/index.js";
import { LOCAL_KUBECONFIG } from "../cli/target.js";
import { demoTenants, shiftedHistory, USD_TO_VND } from "./demo.js";
import { startLocalPlatform, type LocalPlatform } from "./platform.js";
import { parseRedisSetting, type RedisSetting } from "./redis-choice.js";
import { leaveSignalsToCaller } from "../scripts/services/postgres.js";

const ROOT = resolve(import.meta.dirname, "..");
const DEFAULT_DATA = join(ROOT, ".lsp", "data");

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const step = (line: string) => process.stdout.write(`  … ${line}\n`);

/** GET through the router with a Host header, as a browser on <slug>.localhost would. */
function getVia(routerUrl: string, host: string, path: string): Promise<number> {
  const { port: p } = new URL(routerUrl);
  return new Promise((resolveStatus) => {
    const req = http.get({ host: "127.0.0.1", port: p, path, headers: { host }, timeout: 2_000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on("error", () => resolveStatus(0));
    req.on("timeout", () => req.destroy());
  });
}

async function waitForTenants(platform: LocalPlatform, slugs: string[], started: number): Promise<number | undefined> {
  const pending = new Set(slugs);
  let firstAnswerMs: number | undefined;
  const deadline = Date.now() + 180_000;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const slug of [...pending]) {
      const tenant = await platform.store.get("Tenant", slug);
      const ready = ((tenant?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      if (!ready) continue;
      const code = await getVia(platform.routerUrl, `${slug}.localhost`, "/healthz");
      if (code === 200) {
        firstAnswerMs ??= Date.now() - started;
        pending.delete(slug);
        step(`${slug} is answering at ${platform.tenantUrl(slug)}`);
      }
    }
    if (pending.size) await sleep(200);
  }
  if (pending.size) say(`  ! still not ready after 3 minutes: ${[...pending].join(", ")} (see lsp describe tenant <name> and .lsp/data/logs/)`);
  return firstAnswerMs;
}

async function importDemoHistory(platform: LocalPlatform, dataDir: string): Promise<void> {
  const marker = join(dataDir, "demo-history-imported");
  if (existsSync(marker)) return;
  const chain = demoTenants().find((t) => (t.spec as { isolation?: string }).isolation === "dedicated");
  if (!chain) return;
  const slug = (chain.spec as { slug: string }).slug;
  const location = (chain.spec as { locations?: { name: string }[] }).locations?.[0]?.name;
  const tenant = await platform.store.get("Tenant", slug);
  const cell = (tenant?.status as { cell?: string } | undefined)?.cell;
  if (!location || !cell) return;
  const file = await shiftedHistory(join(dataDir, "demo"));
  if (!file) {
    say("  (demo history skipped: ../shared/data/pizza_sales.csv is not on this machine)");
    return;
  }
  step(`importing a year of sales history into ${slug} / ${location} (runs in the background)`);
  // Ctrl-C stops Postgres under a running import: that fails the import, not the process.
  const pool = surviveDisconnects(new pg.Pool({ connectionString: platform.adminUrl, max: 2 }));
  try {
    let last = 0;
    const report = await importSales({
      file, pool, schema: cellDatabaseNames(cell).schema, tenant: slug, location,
      map: "item=pizza_name_id", priceMultiplier: USD_TO_VND,
      onProgress: (p) => {
        const pct = Math.floor((p.bytesRead / p.totalBytes) * 100);
        if (pct >= last + 25) {
          last = pct;
          step(`history import ${pct}% (${p.ordersImported} orders)`);
        }
      },
    });
    writeFileSync(marker, JSON.stringify({ at: new Date().toISOString(), orders: report.ordersImported, rejected: report.rejected.length }));
    step(`history imported: ${report.ordersImported} orders from ${report.lines} lines in ${report.seconds.toFixed(1)} s (${report.rejected.length} lines rejected)`);
  } finally {
    await pool.end();
  }
}

function describeRedis(platform: LocalPlatform): string[] {
  if (!platform.singleProcess) return [`  redis          ${platform.redisUrl}`];
  return [`  redis          not used — ${platform.singleProcess.reason}; single-process fallbacks:`, ...platform.singleProcess.fallbacks.map((f) => `                   - ${f}`)];
}

async function start(o: { port: number; apiPort: number; dataDir: string; demo: boolean; redis: boolean }): Promise<void> {
  const started = Date.now();
  // --no-redis wins; otherwise LSP_REDIS (auto by default) decides.
  const redis: RedisSetting = o.redis ? parseRedisSetting(process.env.LSP_REDIS) : "off";
  say("LocalStore Platform — starting locally");
  const platform = await startLocalPlatform({
    dataDir: o.dataDir,
    port: o.port,
    apiPort: o.apiPort,
    kubeconfigPath: LOCAL_KUBECONFIG,
    redis,
    redisUrl: process.env.REDIS_URL || undefined,
    // Cloudflare Turnstile keys (its test keys work too) put a challenge on the public lane of
    // sign-in codes, as in production (ADR 0510); none without them.
    otpChallenge:
      process.env.OTP_CHALLENGE_SITE_KEY && process.env.OTP_CHALLENGE_SECRET
        ? { siteKey: process.env.OTP_CHALLENGE_SITE_KEY, secret: process.env.OTP_CHALLENGE_SECRET }
        : undefined,
    progress: step,
    logger: createLogger("local-platform", process.env.LOG_LEVEL ?? "warn"),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping (data is kept in ${o.dataDir}) …`);
    await platform.stop();
    rmSync(LOCAL_KUBECONFIG, { force: true });
    say("stopped.");
    process.exit(0);
  };
  // Ours alone: the platform stops Postgres itself, after everything that uses it.
  leaveSignalsToCaller();
  process.on("SIGINT", () => void stop("Ctrl-C"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  const tenants = o.demo ? demoTenants() : [];
  for (const manifest of tenants) {
    const result = await platform.apply(manifest);
    if (result === "created") step(`created demo tenant ${(manifest.metadata as { name: string }).name}`);
  }
  const slugs = (await platform.store.list("Tenant")).map((t) => (t.spec as { slug: string }).slug);
  step(`waiting for ${slugs.length} tenant(s) to be placed, provisioned and routable`);
  const firstMs = await waitForTenants(platform, slugs, started);

  say("\nLocalStore Platform is running");
  say(`  tenants        ${slugs.map((s) => platform.tenantUrl(s)).join("\n                 ") || "(none — lsp apply -f examples/tenant-shared.yaml)"}`);
  say(`  control plane  http://app.localhost:${new URL(platform.routerUrl).port}  (SMS codes: /dev/sms-outbox)`);
  say(`  local API      ${platform.apiUrl}  (scripts/lsp get tenants · scripts/lsp apply -f FILE)`);
  for (const line of describeRedis(platform)) say(line);
  say(`  data, logs     ${o.dataDir}`);
  if (firstMs !== undefined) say(`  first tenant answered ${(firstMs / 1000).toFixed(1)} s after start`);
  say("Ctrl-C stops everything.\n");
  if (o.demo) await importDemoHistory(platform, o.dataDir).catch((error: unknown) => say(`  ! demo history import failed: ${(error as Error).message}`));
}

const program = new Command("start")
  .description(
    "Start LocalStore Platform locally: embedded Postgres, Redis, control plane, router on *.localhost, " +
      "and cells as local processes; demo tenants on first start.\n\n" +
      "Redis is used when REDIS_URL is set or redis-server is installed. Without it (or with --no-redis) " +
      "everything runs single-process: the control plane keeps OTP codes, rate limits and the SMS outbox " +
      "in memory; cells run without the socket.io Redis adapter and the dashboard cache.\n\n" +
      "LSP_REDIS=auto (default) | on (require Redis) | off (same as --no-redis).",
  )
  .option("-p, --port <port>", "router port (tenants at http://<slug>.localhost:<port>)", port, 8080)
  .option("--api-port <port>", "port of the local Kubernetes-compatible API used by the lsp CLI", port, 8081)
  .option("--data-dir <dir>", "where data, logs and secrets are kept", DEFAULT_DATA)
  .option("--no-demo", "do not create the demo tenants")
  .option("--no-redis", "run without Redis even when one is available (single-process fallbacks)")
  .action(start);

program
  .command("reset")
  .description("delete all local platform data (stop the platform first)")
  .option("--data-dir <dir>", "data folder", DEFAULT_DATA)
  .action((o: { dataDir: string }) => {
    rmSync(o.dataDir, { recursive: true, force: true });
    rmSync(LOCAL_KUBECONFIG, { force: true });
    say(`removed ${o.dataDir}`);
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`\nerror: ${(error as Error).message}\n`);
  process.exit(1);
});
