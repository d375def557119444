// Platform-ops views: tenants per cell, each cell's feed health, usage per tenant for a month.
import type pg from "pg";
import { parsePeriod } from "../billing/index.js";
import { feedLag, subscriptionEnded, usageSummaries, type UsageSummary } from "../usage/index.js";

export interface CellTenants {
  cell: string;
  tenants: string[];
}

export interface CellHealth {
  cell: string;
  tenants: number;
  /** Worst tenant's seconds since its usage feed was last read to the end. */
  feedLagSeconds: number;
  failingTenants: number;
  lastError?: string;
  /** Most recent daily-sales sync from this cell. */
  lastRollupSyncAt?: Date;
  healthy: boolean;
}

/**
 * From the usage cursors and the rollup sync: the cells the control plane actually reads from. Not
 * the cells a tenant left (retired cursors), nor tenants that ended (deleted: feedLag's rule).
 */
export async function tenantsPerCell(pool: pg.Pool | pg.ClientBase): Promise<CellTenants[]> {
  const { rows } = await pool.query<{ cell: string; tenants: string[] }>(
    `select cell, array_agg(distinct tenant_slug order by tenant_slug) as tenants from (
       select cell, tenant_slug from billing.feed_cursors where retired_at is null union all select cell, tenant_slug from rollups.tenant_cells
     ) t where not ${subscriptionEnded("t.tenant_slug")} group by cell order by cell`,
  );
  return rows;
}

export async function cellHealth(pool: pg.Pool | pg.ClientBase, options: { maxLagSeconds?: number } = {}): Promise<CellHealth[]> {
  const maxLag = options.maxLagSeconds ?? 600;
  const lags = await feedLag(pool);
  const { rows } = await pool.query<{ cell: string; synced: Date }>(`select cell, max(synced_at) as synced from rollups.tenant_cells group by cell`);
  const synced = new Map(rows.map((r) => [r.cell, r.synced]));
  return lags.map((l) => ({
    cell: l.cell,
    tenants: l.tenants,
    feedLagSeconds: l.lagSeconds,
    failingTenants: l.failingTenants,
    ...(l.lastError ? { lastError: l.lastError } : {}),
    ...(synced.has(l.cell) ? { lastRollupSyncAt: synced.get(l.cell)! } : {}),
    healthy: l.failingTenants === 0 && l.lagSeconds <= maxLag,
  }));
}

export function usagePerTenant(pool: pg.Pool | pg.ClientBase, periodId: string): Promise<UsageSummary[]> {
  const period = parsePeriod(periodId);
  return usageSummaries(pool, period.start, period.end);
}
