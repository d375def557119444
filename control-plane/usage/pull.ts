// Pulls one tenant's usage from its cell: outbox pages after the stored cursor, then a gauge
// reading. Each page is stored together with the cursor that covers it in one transaction, so a
// crash or a cell outage at any point resumes exactly where the last committed page ended. The
// cursor keeps the epoch of the outbox it counts in: a cell whose outbox started again (rebuilt,
// restored) is read again from its start rather than from an id that means nothing there.
import type pg from "pg";
import { DEFAULT_SETTLE_MS } from "../../cell/usage-feed/index.js";
import { gaugeEventId, translateFeedEvent, type RejectedFeedEvent, type UsageEvent } from "./events.js";
import type { CellFeed, FeedPage } from "./feed-client.js";
import { ingestUsageEvents, recordRejects, type IngestResult } from "./ingest.js";
import type { UsageMetrics } from "./metrics.js";
import { inTransaction } from "../../common/pg-transaction.js";
import type { Logger } from "../../common/logger.js";

/**
 * A cell's feed holds back outbox rows younger than its settle window, so a read that reached the
 * end is complete only up to that long before it: `last_success_at` records that instant, which
 * is what the invoice gate compares with the month's end.
 */
const FEED_SETTLE_SECONDS = DEFAULT_SETTLE_MS / 1000;

export interface PullOptions {
  pool: pg.Pool;
  feed: CellFeed;
  tenantSlug: string;
  metrics?: UsageMetrics;
  log?: Logger;
  pageSize?: number;
  /** Stops after this many pages so one tenant cannot starve the others; the next pull goes on. */
  maxPages?: number;
  /** Billing days are Vietnamese calendar days. */
  timezone?: string;
}

export interface PullResult {
  pages: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  cursor: string;
  caughtUp: boolean;
  /** The stored cursor counted in another outbox than the cell's (rebuilt or restored) and was restarted from 0. */
  restarted: boolean;
}

/** How far a tenant's feed was read, and in which outbox (epoch null: stored before epochs existed). */
interface Cursor {
  id: string;
  epoch: string | null;
}

export async function pullTenantUsage(options: PullOptions): Promise<PullResult> {
  const { pool, feed, tenantSlug, metrics } = options;
  const pageSize = options.pageSize ?? 500;
  const maxPages = options.maxPages ?? 100;
  await pool.query(`insert into billing.feed_cursors (cell, tenant_slug) values ($1, $2) on conflict do nothing`, [feed.cell, tenantSlug]);
  // This cell serves the tenant now: cursors of cells it left are retired (their orders are in
  // this cell's feed too, copied by the move, and billed once by order id), this one is not.
  await pool.query(
    `update billing.feed_cursors set retired_at = case when cell = $1 then null else coalesce(retired_at, now()) end
      where tenant_slug = $2 and (cell = $1) = (retired_at is not null)`,
    [feed.cell, tenantSlug],
  );
  const result: PullResult = { pages: 0, inserted: 0, duplicates: 0, rejected: 0, cursor: "0", caughtUp: false, restarted: false };
  try {
    let cursor = await readCursor(pool, feed.cell, tenantSlug);
    result.cursor = cursor.id;
    while (result.pages < maxPages) {
      const page = await feed.outbox(tenantSlug, cursor.id, pageSize);
      result.pages++;
      const stale = staleCursorReason(cursor, page);
      if (stale) {
        const restart = await restartCursor(pool, feed.cell, tenantSlug, cursor, page.epoch ?? null);
        if (restart.restarted) {
          result.restarted = true;
          metrics?.feedRestarts.inc({ cell: feed.cell });
          options.log?.warn({ cell: feed.cell, tenant: tenantSlug, cursor: cursor.id, storedEpoch: cursor.epoch, feedEpoch: page.epoch, feedMaxId: page.maxId }, `Restarted a usage cursor from 0: ${stale}`);
        }
        cursor = restart.cursor;
        result.cursor = cursor.id;
        continue;
      }
      const { usage, rejects } = translatePage(feed.cell, tenantSlug, page);
      const stored = await storePage(pool, feed.cell, tenantSlug, cursor, page, usage, rejects);
      if (!stored) {
        // Another puller moved the cursor meanwhile: what it stored is ours too; start over from its cursor.
        cursor = await readCursor(pool, feed.cell, tenantSlug);
        result.cursor = cursor.id;
        continue;
      }
      result.inserted += stored.inserted;
      result.duplicates += stored.duplicates;
      result.rejected += rejects.length;
      cursor = { id: page.next, epoch: page.epoch ?? cursor.epoch };
      result.cursor = cursor.id;
      observe(metrics, usage, stored.inserted, stored.duplicates, rejects.length);
      if (!page.hasMore) {
        result.caughtUp = true;
        break;
      }
    }
    await sampleGauges(pool, feed, tenantSlug, options.timezone ?? "Asia/Ho_Chi_Minh");
    return result;
  } catch (error) {
    metrics?.pullFailures.inc({ cell: feed.cell });
    await pool
      .query(`update billing.feed_cursors set last_attempt_at = now(), last_error = $3, consecutive_failures = consecutive_failures + 1 where cell = $1 and tenant_slug = $2`, [feed.cell, tenantSlug, (error as Error).message.slice(0, 500)])
      .catch(() => {});
    throw error;
  }
}

/**
 * Why the cursor cannot be continued in the outbox the feed reads, if it cannot. Outbox ids start
 * again in a cell rebuilt under a reused name (another epoch) or restored from a backup (the same
 * epoch unless renewed, but ids below the cursor): continuing would skip every new order up to
 * the cursor while reporting the feed read to the end. A cell too old to send these is trusted.
 */
function staleCursorReason(cursor: Cursor, page: FeedPage): string | undefined {
  if (page.epoch !== undefined && cursor.epoch !== null && page.epoch !== cursor.epoch) {
    return `the cell's outbox is another one (epoch ${page.epoch}, the cursor's ${cursor.epoch})`;
  }
  if (page.maxId !== undefined && BigInt(cursor.id) > BigInt(page.maxId)) {
    return `the cursor ${cursor.id} is past the cell's highest outbox id ${page.maxId} for the tenant`;
  }
  return undefined;
}

/**
 * Back to the outbox's start, in its epoch. Re-reading is safe: orders are keyed by order id, so
 * those already stored count as duplicates. Unless another puller moved the cursor first: then
 * its cursor is returned and nothing changes.
 */
async function restartCursor(pool: pg.Pool, cell: string, tenantSlug: string, seen: Cursor, epoch: string | null): Promise<{ cursor: Cursor; restarted: boolean }> {
  return inTransaction(pool, async (client) => {
    const current = await readCursor(client, cell, tenantSlug, true);
    if (!sameCursor(current, seen)) return { cursor: current, restarted: false };
    await client.query(`update billing.feed_cursors set last_outbox_id = 0, outbox_epoch = $3 where cell = $1 and tenant_slug = $2`, [cell, tenantSlug, epoch]);
    return { cursor: { id: "0", epoch }, restarted: true };
  });
}

function translatePage(cell: string, tenantSlug: string, page: FeedPage): { usage: UsageEvent[]; rejects: RejectedFeedEvent[] } {
  const usage: UsageEvent[] = [];
  const rejects: RejectedFeedEvent[] = [];
  for (const event of page.events) {
    const t = translateFeedEvent(cell, tenantSlug, event);
    if ("usage" in t) usage.push(t.usage);
    else if ("rejected" in t) rejects.push(t.rejected);
  }
  return { usage, rejects };
}

/** The page's events and the cursor past them in one transaction; undefined when the cursor is no longer `seen`. */
async function storePage(pool: pg.Pool, cell: string, tenantSlug: string, seen: Cursor, page: FeedPage, usage: UsageEvent[], rejects: RejectedFeedEvent[]): Promise<IngestResult | undefined> {
  return inTransaction(pool, async (client) => {
    // The row lock makes two pullers of the same tenant take turns instead of racing the cursor.
    const current = await readCursor(client, cell, tenantSlug, true);
    if (!sameCursor(current, seen)) return undefined;
    const ingested = await ingestUsageEvents(client, usage);
    await recordRejects(client, rejects);
    const lastEventAt = page.events.at(-1)?.createdAt ?? null;
    // A cursor stored before epochs adopts the feed's on its first read.
    await client.query(
      `update billing.feed_cursors set last_outbox_id = $3, outbox_epoch = coalesce($7, outbox_epoch), last_event_at = coalesce($4, last_event_at), last_attempt_at = now(),
              last_success_at = case when $5 then now() - make_interval(secs => $6) else last_success_at end, last_error = null, consecutive_failures = 0
        where cell = $1 and tenant_slug = $2`,
      [cell, tenantSlug, page.next, lastEventAt, !page.hasMore, FEED_SETTLE_SECONDS, page.epoch ?? null],
    );
    return ingested;
  });
}

async function sampleGauges(pool: pg.Pool, feed: CellFeed, tenantSlug: string, timezone: string): Promise<void> {
  const reading = await feed.gauges(tenantSlug);
  const at = new Date(reading.at);
  const day = localDate(at, timezone);
  await ingestUsageEvents(pool, [
    { tenantSlug, eventId: gaugeEventId(feed.cell, "active_locations", day), kind: "active_locations", quantity: BigInt(reading.activeLocations), amountVnd: 0n, occurredAt: at },
    { tenantSlug, eventId: gaugeEventId(feed.cell, "staff_seats", day), kind: "staff_seats", quantity: BigInt(reading.staffSeats), amountVnd: 0n, occurredAt: at },
  ]);
}

export function localDate(at: Date, timezone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

function observe(metrics: UsageMetrics | undefined, usage: UsageEvent[], inserted: number, duplicates: number, rejected: number): void {
  if (!metrics) return;
  if (inserted > 0) metrics.ingested.inc({ kind: "order" }, inserted);
  if (duplicates > 0) metrics.duplicates.inc(duplicates);
  if (rejected > 0) metrics.rejected.inc(rejected);
  const now = Date.now();
  for (const e of usage) metrics.ingestDelay.observe(Math.max(0, (now - e.occurredAt.getTime()) / 1000));
}

async function readCursor(client: pg.Pool | pg.ClientBase, cell: string, tenantSlug: string, forUpdate = false): Promise<Cursor> {
  const { rows } = await client.query<{ id: string; epoch: string | null }>(
    `select last_outbox_id::text as id, outbox_epoch as epoch from billing.feed_cursors where cell = $1 and tenant_slug = $2${forUpdate ? " for update" : ""}`,
    [cell, tenantSlug],
  );
  return rows[0] ?? { id: "0", epoch: null };
}

function sameCursor(a: Cursor, b: Cursor): boolean {
  return a.id === b.id && a.epoch === b.epoch;
}
