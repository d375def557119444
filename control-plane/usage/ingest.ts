// Idempotent ingest of usage events: one multi-row insert per batch, keyed by (tenant, event id).
// A redelivered count is skipped; a redelivered gauge reading keeps the higher value. Arrival
// order never matters because billing reads events by when they occurred, not when they came.
import type pg from "pg";
import { periodOf } from "../billing/period.js";
import { USAGE_LOCK_SPACE, usageLockKey } from "../billing/usage-lock.js";
import { GaugeKinds, type RejectedFeedEvent, type UsageEvent } from "./events.js";

export interface IngestResult {
  inserted: number;
  duplicates: number;
}

const INSERT_COUNTS = `
  insert into billing.usage_events (tenant_slug, event_id, kind, quantity, amount_vnd, location_id, occurred_at)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::timestamptz[])
  on conflict (tenant_slug, event_id) do nothing`;

const UPSERT_GAUGES = `
  insert into billing.usage_events as e (tenant_slug, event_id, kind, quantity, amount_vnd, location_id, occurred_at)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::timestamptz[])
  on conflict (tenant_slug, event_id) do update
    set quantity = greatest(e.quantity, excluded.quantity), occurred_at = greatest(e.occurred_at, excluded.occurred_at)
  returning (xmax = 0) as inserted`;

/**
 * `client` may be a pool or a client inside the caller's transaction. A count that occurred in a
 * month whose invoice was already issued (an order a POS recorded late, or backdated) is billed
 * in the month it arrived, at `now`: an issued invoice never changes, and the usage is not lost.
 */
export async function ingestUsageEvents(client: pg.Pool | pg.ClientBase, events: readonly UsageEvent[], now = new Date()): Promise<IngestResult> {
  const counts = await intoOpenPeriods(client, dedupe(events.filter((e) => !GaugeKinds.has(e.kind))), now);
  const gauges = events.filter((e) => GaugeKinds.has(e.kind));
  let inserted = 0;
  if (counts.length > 0) inserted += (await client.query(INSERT_COUNTS, columns(counts))).rowCount ?? 0;
  if (gauges.length > 0) {
    const { rows } = await client.query<{ inserted: boolean }>(UPSERT_GAUGES, columns(dedupeGauges(gauges)));
    inserted += rows.filter((r) => r.inserted).length;
  }
  return { inserted, duplicates: events.length - inserted };
}

async function intoOpenPeriods(client: pg.Pool | pg.ClientBase, counts: UsageEvent[], now: Date): Promise<UsageEvent[]> {
  if (counts.length === 0) return counts;
  const tenants = [...new Set(counts.map((e) => e.tenantSlug))];
  // Each month these counts fall in is held open (shared) until the caller's transaction ends, so
  // issuing cannot compute and freeze that month between the check below and the insert
  // (billing/usage-lock.ts). With a pool and no transaction, the statement alone.
  const months = [...new Set(counts.map((e) => usageLockKey(e.tenantSlug, periodOf(e.occurredAt))))].sort();
  await client.query(`select pg_advisory_xact_lock_shared(hashtextextended(k, $2)) from unnest($1::text[]) as k`, [months, USAGE_LOCK_SPACE]);
  const { rows } = await client.query<{ tenant_slug: string; period: string }>(
    `select tenant_slug, period from billing.invoices where tenant_slug = any($1) and status <> 'draft'`,
    [tenants],
  );
  if (rows.length === 0) return counts;
  const closed = new Set(rows.map((r) => `${r.tenant_slug}\n${r.period}`));
  return counts.map((e) => (closed.has(`${e.tenantSlug}\n${periodOf(e.occurredAt)}`) ? { ...e, occurredAt: now } : e));
}

export async function recordRejects(client: pg.Pool | pg.ClientBase, rejects: readonly RejectedFeedEvent[]): Promise<void> {
  if (rejects.length === 0) return;
  await client.query(
    `insert into billing.usage_rejects (tenant_slug, event_id, topic, payload, reason)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[])
     on conflict (tenant_slug, event_id) do nothing`,
    [rejects.map((r) => r.tenantSlug), rejects.map((r) => r.eventId), rejects.map((r) => r.topic), rejects.map((r) => JSON.stringify(r.payload ?? null)), rejects.map((r) => r.reason)],
  );
}

function columns(events: readonly UsageEvent[]): unknown[] {
  return [
    events.map((e) => e.tenantSlug),
    events.map((e) => e.eventId),
    events.map((e) => e.kind),
    events.map((e) => e.quantity.toString()),
    events.map((e) => e.amountVnd.toString()),
    events.map((e) => e.locationId ?? null),
    events.map((e) => e.occurredAt.toISOString()),
  ];
}

// Postgres refuses to touch one row twice in a statement, so duplicates inside a batch are folded first.
function dedupe(events: readonly UsageEvent[]): UsageEvent[] {
  const seen = new Map<string, UsageEvent>();
  for (const e of events) if (!seen.has(`${e.tenantSlug}\n${e.eventId}`)) seen.set(`${e.tenantSlug}\n${e.eventId}`, e);
  return [...seen.values()];
}

function dedupeGauges(events: readonly UsageEvent[]): UsageEvent[] {
  const best = new Map<string, UsageEvent>();
  for (const e of events) {
    const key = `${e.tenantSlug}\n${e.eventId}`;
    const prev = best.get(key);
    if (!prev || e.quantity > prev.quantity) best.set(key, e);
  }
  return [...best.values()];
}
