// Pulls one tenant's usage from its cell: outbox pages after the stored cursor, then a gauge
// reading. Each page is stored together with the cursor that covers it in one transaction, so a
// crash or a cell outage at any point resumes exactly where the last committed page ended.
import type pg from "pg";
import { DEFAULT_SETTLE_MS } from "../../cell/usage-feed/index.js";
import { gaugeEventId, translateFeedEvent, type RejectedFeedEvent, type UsageEvent } from "./events.js";
import type { CellFeed } from "./feed-client.js";
import { ingestUsageEvents, recordRejects } from "./ingest.js";
import type { UsageMetrics } from "./metrics.js";
import { inTransaction } from "../../common/pg-transaction.js";

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
  const result: PullResult = { pages: 0, inserted: 0, duplicates: 0, rejected: 0, cursor: "0", caughtUp: false };
  try {
    result.cursor = await readCursor(pool, feed.cell, tenantSlug);
    while (result.pages < maxPages) {
      const page = await feed.outbox(tenantSlug, result.cursor, pageSize);
      result.pages++;
      const usage: UsageEvent[] = [];
      const rejects: RejectedFeedEvent[] = [];
      for (const event of page.events) {
        const t = translateFeedEvent(feed.cell, tenantSlug, event);
        if ("usage" in t) usage.push(t.usage);
        else if ("rejected" in t) rejects.push(t.rejected);
      }
      const stored = await inTransaction(pool, async (client) => {
        // The row lock makes two pullers of the same tenant take turns instead of racing the cursor.
        const current = await readCursor(client, feed.cell, tenantSlug, true);
        if (current !== result.cursor) return undefined;
        const ingested = await ingestUsageEvents(client, usage);
        await recordRejects(client, rejects);
        const lastEventAt = page.events.at(-1)?.createdAt ?? null;
        await client.query(
          `update billing.feed_cursors set last_outbox_id = $3, last_event_at = coalesce($4, last_event_at), last_attempt_at = now(),
                  last_success_at = case when $5 then now() - make_interval(secs => $6) else last_success_at end, last_error = null, consecutive_failures = 0
            where cell = $1 and tenant_slug = $2`,
          [feed.cell, tenantSlug, page.next, lastEventAt, !page.hasMore, FEED_SETTLE_SECONDS],
        );
        return ingested;
      });
      if (!stored) {
        // Another puller moved the cursor meanwhile: what it stored is ours too; start over from its cursor.
        result.cursor = await readCursor(pool, feed.cell, tenantSlug);
        continue;
      }
      result.inserted += stored.inserted;
      result.duplicates += stored.duplicates;
      result.rejected += rejects.length;
      result.cursor = page.next;
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

async function readCursor(client: pg.Pool | pg.ClientBase, cell: string, tenantSlug: string, forUpdate = false): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `select last_outbox_id::text as id from billing.feed_cursors where cell = $1 and tenant_slug = $2${forUpdate ? " for update" : ""}`,
    [cell, tenantSlug],
  );
  return rows[0]?.id ?? "0";
}

