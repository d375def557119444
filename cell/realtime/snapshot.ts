// Today's figures for one location, read from the aggregates the triggers keep (one statement).
import type { Database } from "../db/index.js";
import type { DashboardSnapshot } from "./events.js";

const SNAPSHOT = `
  with loc as (select id, to_char((now() at time zone timezone)::date, 'YYYY-MM-DD') as today from locations where id = $1)
  select loc.today,
         coalesce((select sum(revenue_vnd) from location_hourly_sales h where h.location_id = loc.id and h.local_date = loc.today::date), 0)::text as revenue,
         coalesce((select sum(orders) from location_hourly_sales h where h.location_id = loc.id and h.local_date = loc.today::date), 0)::text as orders,
         coalesce((select jsonb_object_agg(method, amount_vnd::text) from location_daily_payments p where p.location_id = loc.id and p.local_date = loc.today::date), '{}') as paid
    from loc`;

/** undefined when the location is not the tenant's (RLS hides it) or does not exist. */
export async function loadDashboardSnapshot(db: Database, tenantId: string, locationId: string): Promise<DashboardSnapshot | undefined> {
  const { rows } = await db.sql(tenantId, (client) =>
    client.query<{ today: string; revenue: string; orders: string; paid: Record<string, string> }>(SNAPSHOT, [locationId]),
  );
  const row = rows[0];
  if (!row) return undefined;
  const paidVnd: Record<string, number> = {};
  for (const [method, amount] of Object.entries(row.paid)) paidVnd[method] = Number(amount);
  return { locationId, localDate: row.today, revenueVnd: Number(row.revenue), orders: Number(row.orders), paidVnd };
}
