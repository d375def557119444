// `npm run bench:billing`: usage-event ingest rate and owner rollup query latency for 1,000
// tenants with a year of data, each against a named peer measured in the same run. Starts its
// own Postgres (or uses DATABASE_URL) and stops it at the end.
import { Command } from "commander";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startPostgres } from "../../scripts/services/postgres.js";
import { migrateBilling } from "../../control-plane/billing/index.js";
import { loadYearOfRollups, orderEvents, tenantSlug } from "./data.js";
import { ingestBatched, ingestRowAtATime, latency, ourRollup, peerRollup } from "./measure.js";
import type { RollupQuery } from "../../control-plane/rollups/index.js";

const program = new Command()
  .name("bench:billing")
  .description("Billing benchmark: usage-event ingest rate (vs row-at-a-time INSERT) and rollup query latency (vs a bare SQL GROUP BY) for N tenants with a year of daily aggregates")
  .option("--tenants <n>", "tenants", (v) => Number(v), 1000)
  .option("--days <n>", "days of daily aggregates per location", (v) => Number(v), 365)
  .option("--items <n>", "item rows per location and day", (v) => Number(v), 8)
  .option("--events <n>", "usage events for the batched ingest", (v) => Number(v), 200_000)
  .option("--peer-events <n>", "usage events for the row-at-a-time peer", (v) => Number(v), 20_000)
  .option("--batch <n>", "events per ingest batch", (v) => Number(v), 500)
  .option("--runs <n>", "timed runs per rollup query", (v) => Number(v), 30)
  .option("--out <file>", "also write the results as JSON")
  .parse();
const opts = program.opts<{ tenants: number; days: number; items: number; events: number; peerEvents: number; batch: number; runs: number; out?: string }>();
const log = (m: string) => process.stderr.write(`[bench:billing] ${m}\n`);

const state = mkdtempSync(join(tmpdir(), "lsp-bench-billing-"));
const pgHandle = await startPostgres({ dataDir: join(state, "pg"), persistent: false });
const admin = new pg.Client({ connectionString: pgHandle.url });
await admin.connect();
const dbName = `bench_billing_${process.pid}`;
await admin.query(`create database ${dbName}`);
const url = new URL(pgHandle.url);
url.pathname = `/${dbName}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });

try {
  await migrateBilling(pool);
  const load = loadavg();

  log(`ingest: ${opts.events} events in batches of ${opts.batch}, then the same again (all duplicates)`);
  const events = orderEvents(opts.events, opts.tenants);
  const batched = await ingestBatched(pool, events, opts.batch);
  const replay = await ingestBatched(pool, events, opts.batch);
  log(`ingest peer: ${opts.peerEvents} events one INSERT each`);
  const peer = await ingestRowAtATime(pool, orderEvents(opts.peerEvents, opts.tenants, opts.events));
  if (batched.inserted !== opts.events) throw new Error(`batched ingest stored ${batched.inserted} of ${opts.events} events`);

  log(`rollups: loading ${opts.tenants} tenants x ${opts.days} days x (locations, ${opts.items} items)`);
  const lastDay = "2026-10-31";
  const loadStarted = performance.now();
  const data = await loadYearOfRollups(pool, opts.tenants, opts.days, opts.items, lastDay);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  log(`rollups: ${data.locationDays} location-days, ${data.itemDays} item-days in ${loadSeconds.toFixed(1)} s`);
  const firstDay = new Date(Date.parse(`${lastDay}T00:00:00Z`) - (opts.days - 1) * 86_400_000).toISOString().slice(0, 10);
  const chain = tenantSlug(0); // 20 locations
  const scenarios: { name: string; query: RollupQuery }[] = [
    { name: "chain of 20 locations, a year by month, top 5", query: { tenants: [chain], from: firstDay, to: lastDay, grain: "month", topItems: 5 } },
    { name: "chain of 20 locations, a year by day, top 5", query: { tenants: [chain], from: firstDay, to: lastDay, grain: "day", topItems: 5 } },
    { name: "chain of 20 locations, a year by day, top 5 for totals only", query: { tenants: [chain], from: firstDay, to: lastDay, grain: "day", topItems: 5, periodTopItems: false } },
    { name: "owner of 5 tenants (44 locations), a year by week, top 5", query: { tenants: [tenantSlug(50), tenantSlug(100), tenantSlug(10), tenantSlug(20), tenantSlug(3)], from: firstDay, to: lastDay, grain: "week", topItems: 5 } },
    { name: "one 2-location tenant, last 30 days by day, top 5", query: { tenants: [tenantSlug(1)], from: "2026-10-02", to: lastDay, grain: "day", topItems: 5 } },
  ];
  const rollups = [];
  for (const s of scenarios) {
    log(`rollup: ${s.name}`);
    const ours = await latency(opts.runs, ourRollup(pool, s.query));
    const bare = await latency(opts.runs, peerRollup(pool, s.query));
    rollups.push({ scenario: s.name, ours, peer: bare, ratioP50: Math.round((ours.p50Ms / bare.p50Ms) * 100) / 100 });
  }

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtStart: load.map((l) => Math.round(l * 100) / 100), node: process.version },
    parameters: opts,
    ingest: {
      ours: { ...batched, perSecond: Math.round(batched.perSecond) },
      duplicatesReplay: { ...replay, perSecond: Math.round(replay.perSecond) },
      peerRowAtATime: { ...peer, perSecond: Math.round(peer.perSecond) },
      ratio: Math.round((batched.perSecond / peer.perSecond) * 100) / 100,
    },
    rollupData: { ...data, tenants: data.tenants.length, locations: [...data.locations.values()].reduce((a, b) => a + b, 0), loadSeconds: Math.round(loadSeconds) },
    rollups,
  };
  console.log(JSON.stringify(result, null, 2));
  if (opts.out) writeFileSync(opts.out, JSON.stringify(result, null, 2));
} finally {
  await pool.end();
  await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
  await admin.end();
  await pgHandle.stop();
  rmSync(state, { recursive: true, force: true });
}
