// npm run bench:realtime — delivery latency to 1,000 connected socket.io clients and sales
// import throughput. Starts its own Postgres and Redis (or uses DATABASE_URL / REDIS_URL), two
// cell API processes (cell/main.ts, the real server) and the peer; stops everything when done.
//
// Two latencies per client per event, on this process's clock: from the moment the write (sales
// entry or MoMo IPN) was sent, and from the moment it returned. The replica publishes after the
// commit and before replying, so many events arrive before the write returns (negative values).
// Peer: a bare socket.io server (peer-server.ts) fanning out to the same number of clients.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { startPostgres } from "../../scripts/services/postgres.js";
import { startRedis } from "../../scripts/services/redis.js";
import { importSales } from "../../cell/import/index.js";
import { PAYMENT_WEBHOOK_PATHS } from "../../cell/payments/index.js";
import { FakeMomo } from "../../cell/payments/testing/providers.js";
import { spawnCellApi } from "../../cell/realtime/testing/cell-process.js";
import { createCellFixture, MOMO, type CellFixture } from "../../cell/realtime/testing/fixture.js";
import { summary } from "./stats.js";

const opts = new Command()
  .name("bench:realtime")
  .description("Real-time delivery latency (p50/p99) to N clients across two replicas, against a bare socket.io peer; sales import throughput.")
  .option("--clients <n>", "connected clients", (v) => Number(v), 1000)
  .option("--events <n>", "events per scenario", (v) => Number(v), 100)
  .option("--skip-import", "skip the import throughput measurement", false)
  .parse()
  .opts<{ clients: number; events: number; skipImport: boolean }>();

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`[bench:realtime] ${m}\n`);

const loadAtStart = loadavg()[0]!;
const state = mkdtempSync(join(tmpdir(), "lsp-bench-rt-"));
const pgHandle = await startPostgres({ dataDir: join(state, "pg"), persistent: false });
const redis = await startRedis(join(state, "redis"));
process.env.DATABASE_URL = pgHandle.url;
process.env.REDIS_URL = redis.url;
const cleanups: (() => Promise<unknown>)[] = [];

try {
  const fx = await createCellFixture("bench");
  cleanups.push(() => fx.drop());
  const replicas = await Promise.all([spawnCellApi(fx, join(state, "payments-a.json")), spawnCellApi(fx, join(state, "payments-b.json"))]);
  cleanups.push(() => Promise.all(replicas.map((r) => r.stop())));
  const location = fx.pho.locations[0];
  const token = await fx.ownerToken(fx.pho.slug);

  // --- the product path: clients split over both replicas, writes through replica 0
  const arrivals: number[][] = [];
  const sockets = await connectClients(opts.clients, (i) => replicas[i % 2]!.url, (socket, i) => {
    socket.on("sale", () => arrivals[arrivals.length - 1]![i] = now());
    socket.on("payment", () => arrivals[arrivals.length - 1]![i] = now());
  }, { token, headers: fx.headers(fx.pho.slug), subscribe: location });
  log(`${sockets.length} clients connected and subscribed (half on each replica)`);

  const ownerHeaders = { "content-type": "application/json", authorization: `Bearer ${token}`, ...fx.headers(fx.pho.slug) };
  let key = 0;
  const sale = await measure("createOrder -> sale event", async () => {
    const startedAt = now();
    const res = await fetch(`${replicas[0]!.url}/graphql`, {
      method: "POST",
      headers: ownerHeaders,
      body: JSON.stringify({
        query: "mutation($input: CreateOrderInput!) { createOrder(input: $input) { orderId } }",
        variables: { input: { locationId: location, idempotencyKey: `bench-order-${key++}`, channel: "DINE_IN", paymentMethod: "MOMO", lines: [{ menuItemId: fx.pho.items[0]!.id, quantity: 1 }] } },
      }),
    });
    const body = (await res.json()) as { data?: { createOrder: { orderId: string } }; errors?: unknown };
    const returnedAt = now();
    if (!body.data) throw new Error(`createOrder failed: ${JSON.stringify(body.errors)}`);
    return { startedAt, returnedAt, orderId: body.data.createOrder.orderId };
  });
  const momo = new FakeMomo(MOMO);
  const orders = sale.orderIds;
  let next = 0;
  const payment = await measure("MoMo IPN -> payment event", async () => {
    const orderId = orders[next++]!;
    const startedAt = now();
    const res = await momo.deliver(momo.ipn(orderId, fx.pho.items[0]!.priceVnd), { url: `${replicas[0]!.url}${PAYMENT_WEBHOOK_PATHS.momo}`, headers: fx.headers(fx.pho.slug) });
    if (res.status !== 204) throw new Error(`IPN refused: ${res.status} ${await res.text()}`);
    return { startedAt, returnedAt: now(), orderId };
  });
  for (const s of sockets) s.close();

  // --- the peer: bare socket.io, same number of clients, same measurement
  const peer = await spawnPeer();
  cleanups.push(peer.stop);
  const peerSockets = await connectClients(opts.clients, () => peer.url, (socket, i) => {
    socket.on("sale", () => arrivals[arrivals.length - 1]![i] = now());
  });
  const bare = await measure("bare socket.io emit (peer)", async () => {
    const startedAt = now();
    await fetch(`${peer.url}/emit`, { method: "POST" });
    return { startedAt, returnedAt: now(), orderId: "" };
  });
  for (const s of peerSockets) s.close();

  const result: Record<string, unknown> = {
    clients: opts.clients,
    events: opts.events,
    saleDelivery: sale.stats,
    paymentDelivery: payment.stats,
    peerBareSocketIo: bare.stats,
    ratioSaleP99VsPeer: +(sale.stats.p99 / bare.stats.p99).toFixed(2),
    ratioPaymentP99VsPeer: +(payment.stats.p99 / bare.stats.p99).toFixed(2),
    missedDeliveries: sale.missed + payment.missed,
    // The machine is shared: the 1-minute load average says how much the figures are worth.
    loadAverage: { start: +loadAtStart.toFixed(1), afterLatency: +loadavg()[0]!.toFixed(1) },
  };

  if (!opts.skipImport) result.import = await importThroughput(fx);
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");

  async function measure(name: string, act: () => Promise<{ startedAt: number; returnedAt: number; orderId: string }>) {
    const latencies: number[] = [];
    const afterReturn: number[] = [];
    const orderIds: string[] = [];
    let missed = 0;
    for (let e = 0; e < opts.events + 5; e++) {
      arrivals.push(new Array(opts.clients).fill(0));
      const { startedAt, returnedAt, orderId } = await act();
      orderIds.push(orderId);
      const deadline = Date.now() + 2_000;
      const got = arrivals[arrivals.length - 1]!;
      while (got.some((t) => t === 0) && Date.now() < deadline) await sleep(2);
      // The first 5 events warm up connections and JIT; they are not counted.
      if (e < 5) continue;
      for (const t of got) {
        if (t === 0) missed++;
        else {
          latencies.push(t - startedAt);
          afterReturn.push(t - returnedAt);
        }
      }
      await sleep(20);
    }
    const stats = { ...summary(latencies), missed, afterWriteReturned: summary(afterReturn) };
    log(
      `${name}: since write sent p50 ${stats.p50.toFixed(2)} ms, p99 ${stats.p99.toFixed(2)} ms, max ${stats.max.toFixed(2)} ms; ` +
        `after write returned p50 ${stats.afterWriteReturned.p50.toFixed(2)} ms, p99 ${stats.afterWriteReturned.p99.toFixed(2)} ms; ${stats.n} deliveries, ${missed} missed`,
    );
    return { stats, missed, orderIds };
  }
} finally {
  for (const c of cleanups.reverse()) await c().catch((e: Error) => log(`cleanup: ${e.message}`));
  await redis.stop();
  await pgHandle.stop();
  rmSync(state, { recursive: true, force: true });
}

async function connectClients(
  n: number,
  urlOf: (i: number) => string,
  wire: (socket: Socket, i: number) => void,
  auth?: { token: string; headers: Record<string, string>; subscribe: string },
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let start = 0; start < n; start += 100) {
    const batch = Array.from({ length: Math.min(100, n - start) }, (_, k) => {
      const i = start + k;
      const socket = connect(urlOf(i), { transports: ["websocket"], ...(auth ? { extraHeaders: auth.headers, auth: { token: auth.token } } : {}) });
      wire(socket, i);
      sockets.push(socket);
      return new Promise<void>((resolveReady, reject) => {
        socket.once("connect_error", reject);
        socket.once("connect", () => {
          if (!auth) return resolveReady();
          socket.emitWithAck("subscribe", { locationId: auth.subscribe }).then((r: { ok: boolean }) => (r.ok ? resolveReady() : reject(new Error(JSON.stringify(r)))), reject);
        });
      });
    });
    await Promise.all(batch);
  }
  // Let the peer's rooms settle (its join happens on connection, without an ack).
  await sleep(200);
  return sockets;
}

function spawnPeer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, "peer-server.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolveUrl, reject) => {
    child.on("exit", (code) => reject(new Error(`peer exited with ${code}`)));
    child.stdout!.on("data", (d: Buffer) => {
      const m = /ready (\S+)/.exec(d.toString());
      if (m) resolveUrl({ url: m[1]!, stop: async () => void child.kill("SIGTERM") });
    });
  });
}

async function importThroughput(fx: CellFixture) {
  const file = resolve(import.meta.dirname, "..", "..", "..", "shared", "data", "pizza_sales.csv");
  const pool = new pg.Pool({ connectionString: fx.cell.roleUrl, max: 2 });
  try {
    const report = await importSales({ file, pool, schema: fx.cell.schema, tenant: fx.pho.slug, location: fx.pho.locations[1], priceMultiplier: 1000 });
    // Peer: the file's raw lines inserted into an unlogged table in batches of 1,000 — the
    // floor of getting these bytes into Postgres at all.
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(file, "utf8").split(/\r?\n/).slice(1).filter(Boolean);
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query("create unlogged table bench_raw_lines (n int, line text)");
    const t0 = performance.now();
    for (let i = 0; i < lines.length; i += 1000) {
      const chunk = lines.slice(i, i + 1000);
      await admin.query("insert into bench_raw_lines select * from unnest($1::int[], $2::text[])", [chunk.map((_, k) => i + k), chunk]);
    }
    const peerSeconds = (performance.now() - t0) / 1000;
    await admin.query("drop table bench_raw_lines");
    await admin.end();
    const linesPerSecond = Math.round(report.lines / report.seconds);
    const peerLinesPerSecond = Math.round(lines.length / peerSeconds);
    log(`import: ${report.lines} lines, ${report.ordersImported} orders in ${report.seconds.toFixed(2)} s = ${linesPerSecond} lines/s (peer raw insert ${peerLinesPerSecond} lines/s)`);
    return { lines: report.lines, orders: report.ordersImported, seconds: +report.seconds.toFixed(2), linesPerSecond, peerRawInsertLinesPerSecond: peerLinesPerSecond, ratioVsPeer: +(linesPerSecond / peerLinesPerSecond).toFixed(3) };
  } finally {
    await pool.end();
  }
}
