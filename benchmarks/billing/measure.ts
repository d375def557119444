// The two measurements: usage-event ingest rate (ours: batched unnest insert; peer: one INSERT
// ... ON CONFLICT per event, what a straightforward consumer does) and rollup query latency (ours:
// rollupSales with items and all levels; peer: a bare SQL GROUP BY of the same location rows).
import type pg from "pg";
import { ingestUsageEvents, type UsageEvent } from "../../control-plane/usage/index.js";
import { rollupSales, type RollupQuery } from "../../control-plane/rollups/index.js";

export interface Rate {
  events: number;
  seconds: number;
  perSecond: number;
}

export async function ingestBatched(pool: pg.Pool, events: UsageEvent[], batch: number): Promise<Rate & { inserted: number }> {
  const started = performance.now();
  let inserted = 0;
  for (let i = 0; i < events.length; i += batch) inserted += (await ingestUsageEvents(pool, events.slice(i, i + batch))).inserted;
  const seconds = (performance.now() - started) / 1000;
  return { events: events.length, seconds, perSecond: events.length / seconds, inserted };
}

export async function ingestRowAtATime(pool: pg.Pool, events: UsageEvent[]): Promise<Rate> {
  const started = performance.now();
  for (const e of events) {
    await pool.query(
      `insert into billing.usage_events (tenant_slug, event_id, kind, quantity, amount_vnd, location_id, occurred_at) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing`,
      [e.tenantSlug, e.eventId, e.kind, e.quantity.toString(), e.amountVnd.toString(), e.locationId ?? null, e.occurredAt],
    );
  }
  const seconds = (performance.now() - started) / 1000;
  return { events: events.length, seconds, perSecond: events.length / seconds };
}

export interface Latency {
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export async function latency(runs: number, work: () => Promise<unknown>): Promise<Latency> {
  await work(); // warm the plan cache and buffers
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { runs, p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), maxMs: round(times.at(-1)!) };
}

export function ourRollup(pool: pg.Pool, query: RollupQuery) {
  return () => rollupSales(pool, query);
}

export function peerRollup(pool: pg.Pool, query: RollupQuery) {
  return () =>
    pool.query(
      `select tenant_slug, location_id, date_trunc($4, local_date) as bucket, sum(revenue_vnd), sum(orders)
         from rollups.location_daily where tenant_slug = any($1) and local_date between $2::date and $3::date group by 1, 2, 3`,
      [query.tenants, query.from, query.to, query.grain],
    );
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
