// Dashboard figures read from the incrementally maintained aggregates (location_hourly_sales,
// location_item_daily_sales, kept current by triggers on every order), never from the orders.
import type pg from "pg";

export interface HourFigure {
  hour: number;
  revenue: number;
  orders: number;
}

export interface DayFigure {
  date: string;
  revenue: number;
  orders: number;
}

/** The menu item as stored (dates as ISO strings, so a figure survives the JSON cache as is). */
export interface ItemRow {
  id: string;
  tenantId: string;
  categoryId: string;
  name: string;
  priceVnd: number;
  unitCostVnd: number | null;
  available: boolean;
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ItemFigure {
  menuItemId: string;
  quantity: number;
  revenue: number;
  /** Carried along so top items need no further query, cached or not. */
  item: ItemRow;
}

export interface SalesFigures {
  revenue: number;
  orders: number;
  /** 24 entries, hour 0-23 of the location's local day, zeros included. */
  hourly: HourFigure[];
  /** One entry per local day in the range, zeros included. */
  daily: DayFigure[];
  /** Every item sold in the range, best sellers (by revenue, then quantity) first. */
  items: ItemFigure[];
}

// Sums are returned as text: bigint totals stay exact until converted (VND totals of a cell fit
// comfortably below 2^53).
const HOURLY = `
  select hour, sum(revenue_vnd)::text as revenue, sum(orders)::text as orders
    from location_hourly_sales where location_id = $1 and local_date between $2 and $3
   group by hour`;
const DAILY = `
  select to_char(local_date, 'YYYY-MM-DD') as date, sum(revenue_vnd)::text as revenue, sum(orders)::text as orders
    from location_hourly_sales where location_id = $1 and local_date between $2 and $3
   group by local_date`;
const ITEMS = `
  select s.menu_item_id, s.quantity, s.revenue,
         json_build_object('id', m.id, 'tenantId', m.tenant_id, 'categoryId', m.category_id, 'name', m.name, 'priceVnd', m.price_vnd, 'unitCostVnd', m.unit_cost_vnd,
                           'available', m.available, 'archivedAt', m.archived_at, 'createdAt', m.created_at, 'updatedAt', m.updated_at) as item
    from (select menu_item_id, sum(quantity)::text as quantity, sum(revenue_vnd) as revenue
            from location_item_daily_sales where location_id = $1 and local_date between $2 and $3
           group by menu_item_id) s
    join menu_items m on m.id = s.menu_item_id
   order by s.revenue desc, s.quantity::bigint desc, s.menu_item_id`;

/**
 * Figures for local days from..to (inclusive, YYYY-MM-DD) at one location. Named (prepared)
 * statements: each pooled connection plans them once.
 */
export async function loadSalesFigures(client: pg.ClientBase, locationId: string, from: string, to: string): Promise<SalesFigures> {
  const params = [locationId, from, to];
  const hourlyRows = (await client.query<{ hour: number; revenue: string; orders: string }>({ name: "cell_dash_hourly", text: HOURLY, values: params })).rows;
  const dailyRows = from === to ? [] : (await client.query<{ date: string; revenue: string; orders: string }>({ name: "cell_dash_daily", text: DAILY, values: params })).rows;
  const itemRows = (await client.query<{ menu_item_id: string; quantity: string; revenue: string; item: ItemRow }>({ name: "cell_dash_items", text: ITEMS, values: params })).rows;

  const hourly: HourFigure[] = Array.from({ length: 24 }, (_, hour) => ({ hour, revenue: 0, orders: 0 }));
  let revenue = 0;
  let orders = 0;
  for (const r of hourlyRows) {
    const h = hourly[r.hour]!;
    h.revenue = Number(r.revenue);
    h.orders = Number(r.orders);
    revenue += h.revenue;
    orders += h.orders;
  }
  const byDate = new Map(dailyRows.map((r) => [r.date, r]));
  const daily = localDays(from, to).map((date) => {
    if (from === to) return { date, revenue, orders };
    const r = byDate.get(date);
    return { date, revenue: r ? Number(r.revenue) : 0, orders: r ? Number(r.orders) : 0 };
  });
  const items = itemRows.map((r) => ({ menuItemId: r.menu_item_id, quantity: Number(r.quantity), revenue: Number(r.revenue), item: r.item }));
  return { revenue, orders, hourly, daily, items };
}

/** Every calendar day from..to inclusive, as YYYY-MM-DD. */
export function localDays(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const todays = new Map<string, { minute: number; day: string }>();

/**
 * The calendar day it is now in `timezone`, as YYYY-MM-DD. Remembered per UTC minute: every
 * time zone's midnight falls on a whole UTC minute (offsets are multiples of 15 minutes), so the
 * answer is exact, and Intl formatting is too slow to repeat for every dashboard field.
 */
export function localToday(timezone: string, now = new Date()): string {
  const minute = Math.floor(now.getTime() / 60_000);
  const known = todays.get(timezone);
  if (known && known.minute === minute) return known.day;
  let f = formatters.get(timezone);
  if (!f) {
    // en-CA formats dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timezone, f);
  }
  const day = f.format(now);
  todays.set(timezone, { minute, day });
  return day;
}
