// npm run bench:cell — the cell API against its targets, on a 10-location chain with a year of
// history: dashboard p95 uncached and cached at a fixed request rate, and order writes per second
// of one cell process. Starts its own Postgres, Redis and two cell processes; stops them all.
// Peer measured in the same run: the same "today" dashboard computed by scanning the orders
// (what the aggregates replace), reported as a ratio. Every phase also reports the CPU each part
// (cell, Postgres, Redis, load generator) spent per request, which a shared machine disturbs less.
import { Command, InvalidArgumentError } from "commander";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import type { Pool } from "undici";
import { startPostgres } from "../../scripts/services/postgres.js";
import { freePort, startProcess, waitUntil, type ServiceProcess } from "../../scripts/services/processes.js";
import { startRedis } from "../../scripts/services/redis.js";
import { loadSalesFigures, localToday } from "../dashboards/index.js";
import { ensureCellDatabase, provisionTenant } from "../provisioning/index.js";
import { createTokenIssuer, ROUTER_SIGNING_KEY, routerHeaders } from "../testing/identity.js";
import { postmasterPid, processTreeCpuSeconds, ownCpuSeconds, redisCpuSeconds } from "./cpu.js";
import { closedLoop, openLoop, timeEach, type LatencySummary } from "./load.js";
import { formatCpu, metered, type CpuMeter, type MeteredSummary } from "./metering.js";
import { seedHistory, seedMenu } from "./seed.js";

const root = resolve(import.meta.dirname, "..", "..");
const PHASES = ["dashboards", "writes", "peer"] as const;
type Phase = (typeof PHASES)[number];
function phaseList(v: string): Phase[] {
  const list = v.split(",").map((p) => p.trim());
  const unknown = list.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown phase ${unknown.join(", ")}; choose from ${PHASES.join(", ")}`);
  return list as Phase[];
}
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
};

const program = new Command("bench:cell")
  .description("Benchmark the cell API: dashboard p95 (uncached, cached) at a fixed rate and order writes/s, on a seeded chain")
  .option("--locations <n>", "locations in the chain", positive, 10)
  .option("--days <n>", "days of history per location", positive, 365)
  .option("--orders-per-day <n>", "seeded orders per location per day", positive, 150)
  .option("--rate <n>", "dashboard requests per second (open loop)", positive, 200)
  .option("--seconds <n>", "duration of each measured phase", positive, 20)
  .option("--concurrency <n>", "concurrent order writers (closed loop)", positive, 32)
  .option("--write-rounds <n>", "repeat the order-write phase this many times (the target uses the median round)", positive, 3)
  .option("--phases <list>", `comma-separated subset of ${PHASES.join(",")}`, phaseList, [...PHASES])
  .option("--db-pool <n>", "Postgres connections per cell process (DB_POOL_SIZE; default: the cell's own default)", positive)
  .option("--cpu-prof <dir>", "write a V8 CPU profile of the cached cell process (the one the writes go to) into this folder")
  .option("--out <file>", "also write the results as JSON here", join(root, ".lsp", "bench", "cell.json"))
  .parse();
const opts = program.opts<{
  locations: number;
  days: number;
  ordersPerDay: number;
  rate: number;
  seconds: number;
  concurrency: number;
  writeRounds: number;
  phases: Phase[];
  dbPool?: number;
  cpuProf?: string;
  out: string;
}>();

const log = (m: string) => process.stderr.write(`[bench:cell] ${m}\n`);
const stateDir = join(root, ".lsp", `bench-cell-${process.pid}`);
const stops: (() => Promise<void>)[] = [];

const DASHBOARD = `query Dashboard($id: ID!) { location(id: $id) { todayRevenue todayOrders hourlyTrends { hour revenue orders } topItems(limit: 5) { item { name } quantity revenue } } }`;
const CREATE = `mutation Sale($input: CreateOrderInput!) { createOrder(input: $input) { orderId totalVnd replayed } }`;

// The same figures as the dashboard, computed the naive way: scanning the day's orders and lines.
const FULL_SCAN = `
  with day as (select o.id, o.total_vnd, extract(hour from o.ordered_at at time zone l.timezone)::int as hour
                 from orders o join locations l on l.id = o.location_id
                where o.location_id = $1 and (o.ordered_at at time zone l.timezone)::date = $2::date)
  select (select coalesce(sum(total_vnd), 0)::text from day) as revenue, (select count(*) from day) as orders,
         (select json_agg(h) from (select hour, sum(total_vnd)::text as revenue, count(*) as orders from day group by hour) h) as hourly,
         (select json_agg(i) from (select ol.menu_item_id, sum(ol.quantity) as q, sum(ol.line_total_vnd)::text as r
                                     from order_lines ol join day on day.id = ol.order_id group by ol.menu_item_id order by 3 desc limit 5) i) as items`;

async function main(): Promise<void> {
  const started = new Date();
  const startLoad = loadavg();
  log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} (shared machine: figures are noisy)`);
  mkdirSync(stateDir, { recursive: true });
  const postgres = await startPostgres({ dataDir: join(stateDir, "postgres", "data"), persistent: false });
  stops.push(() => postgres.stop());
  const redis = await startRedis(join(stateDir, "redis"));
  stops.push(() => redis.stop());

  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  stops.push(() => admin.end());
  const cellName = `bench-${process.pid}`;
  const password = "bench-password";
  const { schema, role } = await ensureCellDatabase(admin, cellName, password);
  const locationNames = Array.from({ length: opts.locations }, (_, i) => ({ name: `Chi nhánh ${i + 1}` }));
  const { tenantId } = await provisionTenant(admin, cellName, { slug: "bench-chain", displayName: "Bench Chain", plan: "enterprise", owner: { phone: "+84909999999", name: "Owner" }, locations: locationNames });
  const locationIds: string[] = (await admin.query(`select id from ${schema}.locations where tenant_id = $1 order by name`, [tenantId])).rows.map((r) => r.id);
  const menu = await seedMenu(admin, schema, tenantId, 40);
  const seedStart = Date.now();
  const seeded = await seedHistory(admin, schema, { tenantId, locationIds, days: opts.days, ordersPerDay: opts.ordersPerDay, menuItems: menu.itemIds.length, log });
  log(`seeded ${seeded.orders} orders / ${seeded.lines} lines in ${((Date.now() - seedStart) / 1000).toFixed(0)} s`);

  const roleUrl = new URL(postgres.url);
  roleUrl.username = role;
  roleUrl.password = password;
  const issuer = await createTokenIssuer();
  const token = await issuer.token({ memberships: [{ tenant: "bench-chain", role: "owner", locations: "*" }] }, { expiresIn: "2h" });

  async function startCell(name: string, withRedis: boolean, nodeFlags: string[] = []): Promise<string> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATABASE_URL: roleUrl.toString(), CELL_SCHEMA: schema, ROUTER_SIGNING_KEY, JWKS_JSON: JSON.stringify(issuer.jwks), LOG_LEVEL: "warn", NODE_ENV: "production" };
    if (opts.dbPool) env.DB_POOL_SIZE = String(opts.dbPool);
    if (withRedis) env.REDIS_URL = redis.url;
    else delete env.REDIS_URL;
    const child: ServiceProcess = startProcess(stateDir, name, process.execPath, [...nodeFlags, "--import", "tsx", join(root, "cell", "main.ts")], { env, cwd: root });
    stops.push(() => child.stop());
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(child, `${name} ready`, async () => (await fetch(`${base}/readyz`)).ok, 60_000);
    return base;
  }
  const run = (phase: Phase) => opts.phases.includes(phase);
  const uncachedBase = run("dashboards") ? await startCell("cell-uncached", false) : "";
  const profileFlags = opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${resolve(opts.cpuProf)}`] : [];
  const cachedBase = await startCell("cell-cached", true, profileFlags);

  // A router would re-sign per request; the signature is valid for 5 minutes, so re-sign per phase.
  const headers = () => ({ "content-type": "application/json", authorization: `Bearer ${token}`, ...routerHeaders("bench-chain") });
  async function post(pool: Pool, body: string, h: Record<string, string>): Promise<boolean> {
    const res = await pool.request({ path: "/graphql", method: "POST", headers: h, body });
    const text = await res.body.text();
    return res.statusCode === 200 && !text.includes('"errors"');
  }
  const dashboardBodies = locationIds.map((id) => JSON.stringify({ query: DASHBOARD, variables: { id } }));
  const readDashboard = (h: Record<string, string>) => (pool: Pool, i: number) => post(pool, dashboardBodies[i % dashboardBodies.length]!, h);

  // CPU the cell process spent per request: independent of how busy the shared machine is.
  async function cpuSeconds(base: string): Promise<number> {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(/^lsp_cell_process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
  }
  const postgresPid = postmasterPid((await admin.query<{ data_directory: string }>("show data_directory")).rows[0]!.data_directory);
  const meters = (base: string): Record<string, CpuMeter> & { cell: CpuMeter } => ({
    cell: () => cpuSeconds(base),
    postgres: () => processTreeCpuSeconds(postgresPid),
    redis: () => redisCpuSeconds(redis.url),
    loadGenerator: ownCpuSeconds,
  });
  const measured = (base: string, phase: () => Promise<LatencySummary>) => metered(meters(base), phase);

  let dashboardPhases: Record<"uncached" | "cached" | "uncachedSequential" | "cachedSequential", MeteredSummary> | undefined;
  if (run("dashboards")) {
    log("warming up");
    await openLoop(uncachedBase, 100, 3, readDashboard(headers()));
    await openLoop(cachedBase, 100, 3, readDashboard(headers()));

    log(`dashboard, uncached (no Redis): ${opts.rate} req/s for ${opts.seconds} s`);
    const uncached = await measured(uncachedBase, () => openLoop(uncachedBase, opts.rate, opts.seconds, readDashboard(headers())));
    log(`dashboard, cached (Redis): ${opts.rate} req/s for ${opts.seconds} s`);
    const cached = await measured(cachedBase, () => openLoop(cachedBase, opts.rate, opts.seconds, readDashboard(headers())));
    log("dashboard service time: one request at a time for 5 s each (uncached, cached)");
    const uncachedSequential = await measured(uncachedBase, () => closedLoop(uncachedBase, 1, 5, readDashboard(headers())));
    const cachedSequential = await measured(cachedBase, () => closedLoop(cachedBase, 1, 5, readDashboard(headers())));
    dashboardPhases = { uncached, cached, uncachedSequential, cachedSequential };
  }

  const writeRounds: MeteredSummary[] = [];
  if (run("writes")) {
    const runId = Date.now().toString(36);
    const writeOrder = (round: number, h: Record<string, string>) => (pool: Pool, i: number) => {
      const lines = Array.from({ length: 1 + (i % 3) }, (_, k) => ({ menuItemId: menu.itemIds[(i * 7 + k * 13) % menu.itemIds.length], quantity: 1 + ((i + k) % 3) }));
      const input = { locationId: locationIds[i % locationIds.length], idempotencyKey: `bench-${runId}-${round}-${i}`, channel: "DINE_IN", paymentMethod: "CASH", lines };
      return post(pool, JSON.stringify({ query: CREATE, variables: { input } }), h);
    };
    log("warming up the write path");
    await closedLoop(cachedBase, opts.concurrency, 2, writeOrder(0, headers()));
    for (let round = 1; round <= opts.writeRounds; round++) {
      log(`order writes, round ${round}/${opts.writeRounds}: ${opts.concurrency} concurrent writers for ${opts.seconds} s against the cached process (load average ${loadavg()[0]!.toFixed(2)})`);
      const h = headers();
      writeRounds.push(await measured(cachedBase, () => closedLoop(cachedBase, opts.concurrency, opts.seconds, writeOrder(round, h))));
    }
  }

  const api = new pg.Client({ connectionString: roleUrl.toString() });
  await api.connect();
  stops.push(() => api.end());
  const today = localToday("Asia/Ho_Chi_Minh");
  const inTenant = async <T>(fn: () => Promise<T>): Promise<T> => {
    await api.query("begin");
    await api.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
    try {
      return await fn();
    } finally {
      await api.query("commit");
    }
  };
  let peer: { aggregateSql: LatencySummary; fullScanSql: LatencySummary; speedup: number } | undefined;
  if (run("peer")) {
    log("peer: the same today's dashboard from the aggregates vs. by scanning orders (direct SQL, same role)");
    const samples = 200;
    const aggregateSql = await timeEach(samples, (i) => inTenant(() => loadSalesFigures(api, locationIds[i % locationIds.length]!, today, today)));
    const fullScanSql = await timeEach(samples, (i) => inTenant(() => api.query(FULL_SCAN, [locationIds[i % locationIds.length], today])));
    peer = { aggregateSql, fullScanSql, speedup: fullScanSql.p95 / aggregateSql.p95 };
  }

  // Exactness after the write load: the aggregate equals the scan for every location.
  let mismatches = 0;
  for (const id of locationIds) {
    const [agg, scan] = await inTenant(async () => [await loadSalesFigures(api, id, today, today), (await api.query(FULL_SCAN, [id, today])).rows[0]]);
    if (String(agg.revenue) !== scan.revenue || agg.orders !== Number(scan.orders)) mismatches++;
  }

  const medianRound = [...writeRounds].sort((a, b) => a.achievedRate - b.achievedRate)[Math.floor(writeRounds.length / 2)];
  const targets: Record<string, Target> = {};
  if (dashboardPhases) {
    const { uncached, cached } = dashboardPhases;
    targets.uncachedP95 = { target: 20, measured: uncached.p95, ratio: uncached.p95 / 20, met: uncached.p95 < 20 && uncached.errors === 0 };
    targets.cachedP95 = { target: 5, measured: cached.p95, ratio: cached.p95 / 5, met: cached.p95 < 5 && cached.errors === 0 };
  }
  if (medianRound) {
    const rate = medianRound.achievedRate;
    targets.ordersPerSecond = { target: 1000, measured: rate, ratio: rate / 1000, met: rate >= 1000 && writeRounds.every((w) => w.errors === 0) };
  }
  const results: Results = {
    date: started.toISOString(),
    machine: { cores: cpus().length, model: cpus()[0]?.model, loadAverageAtStart: startLoad, loadAverageAtEnd: loadavg() },
    data: { locations: opts.locations, days: opts.days, orders: seeded.orders, lines: seeded.lines },
    dashboardUncached: dashboardPhases?.uncached,
    dashboardCached: dashboardPhases?.cached,
    dashboardUncachedSequential: dashboardPhases?.uncachedSequential,
    dashboardCachedSequential: dashboardPhases?.cachedSequential,
    orderWrites: medianRound,
    orderWriteRounds: writeRounds,
    peer,
    exactness: { locationsChecked: locationIds.length, mismatches },
    targets,
  };
  mkdirSync(resolve(opts.out, ".."), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(results, null, 2));
  printReport(results);
}

interface Target {
  target: number;
  measured: number;
  ratio: number;
  met: boolean;
}

interface Results {
  date: string;
  machine: { cores: number; model?: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  data: { orders: number; lines: number; locations: number; days: number };
  dashboardUncached?: MeteredSummary;
  dashboardCached?: MeteredSummary;
  dashboardUncachedSequential?: MeteredSummary;
  dashboardCachedSequential?: MeteredSummary;
  /** The median write round (by throughput); every round is in orderWriteRounds. */
  orderWrites?: MeteredSummary;
  orderWriteRounds: MeteredSummary[];
  peer?: { aggregateSql: LatencySummary; fullScanSql: LatencySummary; speedup: number };
  exactness: { mismatches: number; locationsChecked: number };
  targets: Record<string, Target>;
}

function fmt(s: LatencySummary & { cpuMsPerRequest?: number }): string {
  const cpu = s.cpuMsPerRequest === undefined ? "" : `, cell CPU ${s.cpuMsPerRequest.toFixed(2)} ms/req`;
  const lag = s.senderLagP95 === undefined ? "" : `, sender lag p95 ${s.senderLagP95.toFixed(1)} ms`;
  return `p50 ${s.p50.toFixed(2)} ms  p95 ${s.p95.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  max ${s.max.toFixed(1)} ms  (${s.requests} ok, ${s.errors} errors, ${s.achievedRate.toFixed(0)}/s${cpu}${lag})`;
}

function printReport(r: Results): void {
  const phase = (label: string, s: MeteredSummary | undefined) => (s ? [`  ${label} ${fmt(s)}`, `      ${formatCpu(s.cpu)}`] : []);
  const out = [
    `cell benchmark — ${r.data.locations} locations, ${r.data.days} days, ${r.data.orders} orders, ${r.data.lines} lines`,
    `  load average ${r.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")} at start, ${r.machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(" ")} at end`,
    ...phase("dashboard uncached ", r.dashboardUncached),
    ...phase("dashboard cached   ", r.dashboardCached),
    ...phase("one at a time: uncached", r.dashboardUncachedSequential),
    ...phase("one at a time: cached  ", r.dashboardCachedSequential),
    ...r.orderWriteRounds.flatMap((w, i) => phase(`order writes, round ${i + 1}: ${w.achievedRate.toFixed(0)} orders/s `, w)),
    ...(r.peer
      ? [`  peer (direct SQL, today's dashboard): aggregates p95 ${r.peer.aggregateSql.p95.toFixed(2)} ms vs full scan p95 ${r.peer.fullScanSql.p95.toFixed(2)} ms -> aggregates ${r.peer.speedup.toFixed(1)}x faster`]
      : []),
    `  exactness after writes: ${r.exactness.mismatches} mismatches in ${r.exactness.locationsChecked} locations`,
    ...Object.entries(r.targets).map(([k, t]) => `  target ${k}: measured ${t.measured.toFixed(2)} vs ${t.target} (ratio ${t.ratio.toFixed(2)}) ${t.met ? "MET" : "NOT MET"}`),
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}

try {
  await main();
} finally {
  for (const stop of stops.reverse()) await stop().catch((e: unknown) => log(`cleanup: ${String(e)}`));
  rmSync(stateDir, { recursive: true, force: true });
}
