// Copies a tenant's daily sales from its cell into rollups.*: each synced day is replaced whole,
// so a late order in the cell (or a re-sync after an outage) converges to the cell's figures.
import type pg from "pg";
import type { DailyLocationSales } from "../../cell/usage-feed/index.js";
import { inTransaction } from "../../common/pg-transaction.js";
import type { CellFeed } from "../usage/index.js";

export interface SyncResult {
  days: number;
  locationDays: number;
  itemDays: number;
}

export async function syncDailySales(pool: pg.Pool, feed: CellFeed, tenantSlug: string, from: string, to: string): Promise<SyncResult> {
  const days = await inTransaction(pool, async (client) => {
    // Two syncs of one tenant (the loop and an on-demand round, or two control-plane replicas)
    // take turns per tenant. The figures are fetched inside the turn: fetched before it, a sync
    // holding an older snapshot could wait for the lock and commit last, over newer figures.
    await client.query(`select pg_advisory_xact_lock(hashtextextended('rollups.sync:' || $1, 0))`, [tenantSlug]);
    const fetched = await feed.daily(tenantSlug, from, to);
    await replaceDays(client, feed.cell, tenantSlug, from, to, fetched);
    return fetched;
  });
  return { days: new Set(days.map((d) => d.date)).size, locationDays: days.length, itemDays: days.reduce((n, d) => n + d.items.length, 0) };
}

async function replaceDays(client: pg.ClientBase, cell: string, tenantSlug: string, from: string, to: string, days: DailyLocationSales[]): Promise<void> {
  const items = days.flatMap((d) => d.items.map((i) => ({ ...i, locationId: d.locationId, date: d.date })));
  await client.query(`delete from rollups.location_daily where tenant_slug = $1 and local_date between $2 and $3`, [tenantSlug, from, to]);
  await client.query(`delete from rollups.item_daily where tenant_slug = $1 and local_date between $2 and $3`, [tenantSlug, from, to]);
  if (days.length > 0) {
    await client.query(
      `insert into rollups.location_daily (tenant_slug, location_id, local_date, location_name, revenue_vnd, orders)
       select $1, * from unnest($2::text[], $3::date[], $4::text[], $5::bigint[], $6::int[])`,
      [tenantSlug, days.map((d) => d.locationId), days.map((d) => d.date), days.map((d) => d.locationName), days.map((d) => d.revenueVnd), days.map((d) => d.orders)],
    );
  }
  if (items.length > 0) {
    await client.query(
      `insert into rollups.item_daily (tenant_slug, location_id, local_date, item_id, item_name, quantity, revenue_vnd)
       select $1, * from unnest($2::text[], $3::date[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])`,
      [tenantSlug, items.map((i) => i.locationId), items.map((i) => i.date), items.map((i) => i.itemId), items.map((i) => i.itemName), items.map((i) => i.quantity), items.map((i) => i.revenueVnd)],
    );
  }
  // synced_at is the last successful sync, from which the sync loop widens its next window.
  await client.query(
    `insert into rollups.tenant_cells (tenant_slug, cell) values ($1, $2) on conflict (tenant_slug) do update set cell = excluded.cell, synced_at = now()`,
    [tenantSlug, cell],
  );
}
