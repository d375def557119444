// Prometheus metrics of usage metering. Lag is read from the cursors at scrape time, so it keeps
// growing while a cell is down even though nothing is being pulled.
import type pg from "pg";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { subscriptionEnded } from "./ended.js";

export interface UsageMetrics {
  ingested: Counter<"kind">;
  duplicates: Counter;
  rejected: Counter;
  pullFailures: Counter<"cell">;
  /** Cursors restarted from 0 because the cell's outbox was not the one they counted in. */
  feedRestarts: Counter<"cell">;
  /** Seconds from an order in the cell to its usage event being stored here. */
  ingestDelay: Histogram;
}

export function createUsageMetrics(registry: Registry, pool: pg.Pool): UsageMetrics {
  const registers = [registry];
  const metrics: UsageMetrics = {
    ingested: new Counter({ name: "lsp_usage_events_ingested_total", help: "Usage events stored for the first time", labelNames: ["kind"], registers }),
    duplicates: new Counter({ name: "lsp_usage_events_duplicate_total", help: "Usage events received again and ignored", registers }),
    rejected: new Counter({ name: "lsp_usage_events_rejected_total", help: "Outbox rows that could not be turned into usage (kept in billing.usage_rejects)", registers }),
    pullFailures: new Counter({ name: "lsp_usage_pull_failures_total", help: "Usage feed pulls that failed", labelNames: ["cell"], registers }),
    feedRestarts: new Counter({ name: "lsp_usage_feed_restarts_total", help: "Usage cursors restarted from 0: the cell's outbox was another one (rebuilt cell) or ended below the cursor (restored cell)", labelNames: ["cell"], registers }),
    ingestDelay: new Histogram({ name: "lsp_usage_ingest_delay_seconds", help: "Time from an order in a cell to its usage event stored in the control plane", buckets: [1, 5, 15, 60, 300, 900, 3600, 21600, 86400], registers }),
  };
  new Gauge({
    name: "lsp_usage_feed_lag_seconds",
    help: "Seconds since each cell's usage feed was last read to the end, per cell (worst tenant)",
    labelNames: ["cell"],
    registers,
    async collect() {
      this.reset();
      for (const row of await feedLag(pool)) this.set({ cell: row.cell }, row.lagSeconds);
    },
  });
  return metrics;
}

export interface FeedLag {
  cell: string;
  tenants: number;
  lagSeconds: number;
  failingTenants: number;
  lastError?: string;
}

/**
 * Per cell: the worst tenant's seconds since its feed was last read to the end. Cursors of cells a
 * tenant left (retired) and of tenants that ended (their subscription's cancellation is in
 * effect: the Tenant was deleted) are not read any more and do not count.
 */
export async function feedLag(pool: pg.Pool | pg.ClientBase): Promise<FeedLag[]> {
  const { rows } = await pool.query<{ cell: string; tenants: number; lag: number; failing: number; last_error: string | null }>(
    `select cell, count(*)::int as tenants,
            coalesce(extract(epoch from max(now() - coalesce(last_success_at, '-infinity'::timestamptz))), 0)::float8 as lag,
            count(*) filter (where consecutive_failures > 0)::int as failing,
            (array_agg(last_error order by last_attempt_at desc nulls last) filter (where consecutive_failures > 0))[1] as last_error
       from billing.feed_cursors c where retired_at is null and not ${subscriptionEnded("c.tenant_slug")} group by cell order by cell`,
  );
  return rows.map((r) => ({ cell: r.cell, tenants: r.tenants, lagSeconds: Number.isFinite(r.lag) ? r.lag : Number.MAX_SAFE_INTEGER, failingTenants: r.failing, ...(r.last_error ? { lastError: r.last_error } : {}) }));
}
