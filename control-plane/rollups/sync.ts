// Copies a tenant's daily sales from its cell into rollups.*: each synced day is replaced whole,
// so a late order in the cell (or a re-sync after an outage) converges to the cell's figures.
import type pg from "pg";
import type { CellFeed } from "../usage/index.js";

export interface SyncResult {
  days: number;
  locationDays: number;
  itemDays: number;
}

export async function syncDailySales(pool: pg.Pool, feed: CellFeed, tenantSlug: string, from: string, to: string): Promise<SyncResult> {
  const days = await feed.daily(tenantSlug, from, to);
  const items = days.flatMap((d) => d.items.map((i) => ({ ...i, locationId: d.locationId, date: d.date })));
  const client = await pool.connect();
  try {
    await client.query("begin");
    // Two syncs of one tenant (the loop and an on-demand round, or two control-plane replicas)
    // would both delete nothing and then insert the same days: take turns per tenant.
    await client.query(`select pg_advisory_xact_lock(hashtextextended('rollups.sync:' || $1, 0))`, [tenantSlug]);
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
    await client.query(
      `insert into rollups.tenant_cells (tenant_slug, cell) values ($1, $2) on conflict (tenant_slug) do update set cell = excluded.cell, synced_at = now()`,
      [tenantSlug, feed.cell],
    );
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return { days: new Set(days.map((d) => d.date)).size, locationDays: days.length, itemDays: items.length };
}
