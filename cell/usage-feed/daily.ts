// A tenant's daily sales per location and per item for a range of local days: the cell's own
// dashboard aggregates, exported so the control plane can roll them up across cells.
import type { Database } from "../db/index.js";

export interface DailyItemSales {
  itemId: string;
  itemName: string;
  quantity: string;
  revenueVnd: string;
}

export interface DailyLocationSales {
  locationId: string;
  locationName: string;
  /** Local calendar day of the location, YYYY-MM-DD. */
  date: string;
  revenueVnd: string;
  orders: number;
  items: DailyItemSales[];
}

export const MAX_DAILY_RANGE_DAYS = 400;

interface DayRow {
  location_id: string;
  location_name: string;
  date: string;
  revenue_vnd: string;
  orders: number;
  items: DailyItemSales[];
}

// One statement, so the items always come from the same snapshot as the day totals.
const DAYS = `
  with days as (
    select s.location_id, s.local_date, sum(s.revenue_vnd) as revenue_vnd, sum(s.orders) as orders
      from location_hourly_sales s
     where s.local_date between $1::date and $2::date
     group by s.location_id, s.local_date
  )
  select d.location_id::text, l.name as location_name, to_char(d.local_date, 'YYYY-MM-DD') as date,
         d.revenue_vnd::text, d.orders::int,
         coalesce((select jsonb_agg(jsonb_build_object('itemId', i.menu_item_id::text, 'itemName', m.name,
                                                       'quantity', i.quantity::text, 'revenueVnd', i.revenue_vnd::text)
                                    order by i.menu_item_id)
                     from location_item_daily_sales i join menu_items m on m.id = i.menu_item_id and m.tenant_id = i.tenant_id
                    where i.location_id = d.location_id and i.local_date = d.local_date), '[]'::jsonb) as items
    from days d join locations l on l.id = d.location_id
   order by d.local_date, d.location_id`;

/** Days with no sales are absent (not zero rows): a closed day is missing data, not zero demand. */
export async function readDailySales(db: Database, tenantId: string, from: string, to: string): Promise<DailyLocationSales[]> {
  const rows = await db.sql(tenantId, async (client) => (await client.query<DayRow>(DAYS, [from, to])).rows);
  return rows.map((r) => ({ locationId: r.location_id, locationName: r.location_name, date: r.date, revenueVnd: r.revenue_vnd, orders: r.orders, items: r.items }));
}
