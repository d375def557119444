// What the cell sends the ML pod for one location's advice (ADR 0400: the pod holds no data of
// its own): the menu, a year of item-days, eight weeks of weekday×hour orders and 90 days of
// basket counts — read inside a tenant-scoped transaction, so RLS bounds it to one tenant.
import type pg from "pg";
import { ML_REQUEST_LIMITS } from "../../ml/index.js";
import type { RecommendationsInput } from "../ml-client/index.js";

const HISTORY_DAYS = 365;
const HOURLY_WEEKS = 8;
const BASKET_DAYS = 90;
/** Pairs bought together fewer times than this say nothing reliable (and cost wire bytes). */
const MIN_PAIR_ORDERS = 10;
/**
 * The most menu items one request may carry, as the ML pod validates it. A larger menu is cut to
 * its best sellers rather than refused, which would put the whole location on the rule-based fallback.
 */
export const ML_ITEMS_PER_REQUEST = ML_REQUEST_LIMITS.itemsPerRequest;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** `asOf` is the location's last complete local day (yesterday, in its time zone). */
export async function recommendationsInput(client: pg.ClientBase, locationId: string, asOf: string): Promise<RecommendationsInput> {
  const from = addDays(asOf, -(HISTORY_DAYS - 1));
  // One after another: the queries share one connection (the tenant's transaction), which runs
  // them in turn anyway, and pg@9 will refuse a query issued while another is in flight.
  const items = await client.query<{ id: string; name: string; price_vnd: number; unit_cost_vnd: number | null }>(`select id, name, price_vnd, unit_cost_vnd from menu_items where archived_at is null order by name`);
  const openDays = await client.query<{ day: string }>(
    `select to_char(local_date, 'YYYY-MM-DD') as day from location_hourly_sales where location_id = $1 and local_date between $2 and $3 and orders > 0 group by local_date order by local_date`,
    [locationId, from, asOf],
  );
  const daily = await client.query<{ item: string; day: string; quantity: string }>(
    `select menu_item_id as item, to_char(local_date, 'YYYY-MM-DD') as day, quantity from location_item_daily_sales where location_id = $1 and local_date between $2 and $3`,
    [locationId, from, asOf],
  );
  const hourly = await client.query<{ weekday: number; hour: number; orders: string; revenue: string }>(
    `select extract(dow from local_date)::int as weekday, hour, sum(orders) as orders, sum(revenue_vnd) as revenue
       from location_hourly_sales where location_id = $1 and local_date between $2 and $3 group by 1, 2`,
    [locationId, addDays(asOf, -(HOURLY_WEEKS * 7 - 1)), asOf],
  );
  const basket = await basketCounts(client, locationId, addDays(asOf, -(BASKET_DAYS - 1)), asOf);

  // The series starts at the first trading day; later days without sales are closures
  // (missing data, not zero demand).
  const open = openDays.rows.map((r) => r.day);
  const start = open[0] ?? asOf;
  const days: string[] = [];
  for (let d = start; d <= asOf; d = addDays(d, 1)) days.push(d);
  const openSet = new Set(open);
  const index = new Map(days.map((d, i) => [d, i]));
  const quantities = new Map<string, (number | null)[]>();
  for (const item of items.rows) quantities.set(item.id, days.map((d) => (openSet.has(d) ? 0 : null)));
  for (const row of daily.rows) {
    const series = quantities.get(row.item);
    const i = index.get(row.day);
    if (series && i !== undefined) series[i] = Number(row.quantity);
  }
  const sent = bestSellers(items.rows, quantities);
  if (sent.size < items.rows.length) {
    basket.items = basket.items.filter((i) => sent.has(i.itemId));
    basket.pairs = basket.pairs.filter((p) => sent.has(p.a) && sent.has(p.b));
  }
  return {
    asOf,
    // The food cost only when entered: without it the pod asks for it instead of judging margins.
    items: items.rows.filter((i) => sent.has(i.id)).map((i) => ({ itemId: i.id, name: i.name, price: i.price_vnd, ...(i.unit_cost_vnd !== null ? { unitCost: i.unit_cost_vnd } : {}) })),
    daily: [...quantities].filter(([itemId]) => sent.has(itemId)).map(([itemId, q]) => ({ itemId, start, quantities: q as number[] })),
    hourly: hourly.rows.map((h) => ({ weekday: h.weekday, hour: h.hour, orders: Number(h.orders), revenue: Number(h.revenue) })),
    hourlyWeeks: HOURLY_WEEKS,
    baskets: [],
    basketCounts: basket,
    closedDates: days.filter((d) => !openSet.has(d)),
  };
}

/**
 * The ids of the items to send: all of them, or on a menu over the pod's limit the
 * ML_ITEMS_PER_REQUEST that sold the most units over the history window (ties by name, as the menu
 * is ordered), so a very large menu still gets advice on what sells.
 */
function bestSellers(items: { id: string }[], quantities: Map<string, (number | null)[]>): Set<string> {
  if (items.length <= ML_ITEMS_PER_REQUEST) return new Set(items.map((i) => i.id));
  const sold = (id: string) => (quantities.get(id) ?? []).reduce<number>((sum, q) => sum + (q ?? 0), 0);
  const ranked = items.map((item, order) => ({ id: item.id, order, units: sold(item.id) })).sort((a, b) => b.units - a.units || a.order - b.order);
  return new Set(ranked.slice(0, ML_ITEMS_PER_REQUEST).map((i) => i.id));
}

/**
 * The label of `recommendationsInput(client, locationId, asOf)` for the ML pod's by-version cache
 * (ADR 0940), in one cheap statement instead of the input's seven: `asOf` (which fixes every
 * window), a digest of exactly the menu columns the input reads, and the location's sales totals
 * over the longest window. Those totals only grow (the aggregates are added to, never rewritten,
 * by create_order and by the triggers behind import, seeding and move replays), so any new sale
 * in a window moves them, and an order's lines commit with it; read before the input under READ
 * COMMITTED, the label is never newer than the data it is sent with. The dashboard's Redis
 * counter was the other candidate: it is bumped after commit, absent without Redis and lost when
 * Redis restarts (the cache then also tags versions with a per-boot epoch), so a label could come
 * back naming older data.
 * Keep this in step with the queries above: anything new the input reads must be in here.
 */
export async function recommendationsDataVersion(client: pg.ClientBase, locationId: string, asOf: string): Promise<string> {
  const { rows } = await client.query<{ menu: string; sales: string }>(
    `select (select md5(coalesce(string_agg(id::text || ':' || price_vnd || ':' || coalesce(unit_cost_vnd::text, '-') || ':' || length(name) || ':' || name, ';' order by id), '')) from menu_items where archived_at is null) as menu,
            (select count(*) || ':' || coalesce(sum(orders), 0) || ':' || coalesce(sum(revenue_vnd), 0) from location_hourly_sales where location_id = $1 and local_date between $2 and $3) as sales`,
    [locationId, addDays(asOf, -(HISTORY_DAYS - 1)), asOf],
  );
  const { menu, sales } = rows[0]!;
  return `v1;${asOf};${sales};${menu}`;
}

async function basketCounts(client: pg.ClientBase, locationId: string, from: string, to: string): Promise<NonNullable<RecommendationsInput["basketCounts"]>> {
  const lines = `select distinct l.order_id, l.menu_item_id from order_lines l join orders o on o.tenant_id = l.tenant_id and o.id = l.order_id
                  where o.location_id = $1 and o.local_date between $2 and $3`;
  // In turn, on the one connection (see recommendationsInput).
  const orders = await client.query<{ n: string }>(`select count(*) as n from orders where location_id = $1 and local_date between $2 and $3`, [locationId, from, to]);
  const items = await client.query<{ item: string; n: string }>(`select menu_item_id as item, count(*) as n from (${lines}) x group by 1`, [locationId, from, to]);
  const pairs = await client.query<{ a: string; b: string; n: string }>(
    `with x as (${lines}) select a.menu_item_id as a, b.menu_item_id as b, count(*) as n from x a join x b on a.order_id = b.order_id and a.menu_item_id < b.menu_item_id
      group by 1, 2 having count(*) >= ${MIN_PAIR_ORDERS}`,
    [locationId, from, to],
  );
  return {
    orders: Number(orders.rows[0]?.n ?? 0),
    items: items.rows.map((r) => ({ itemId: r.item, orders: Number(r.n) })),
    pairs: pairs.rows.map((r) => ({ a: r.a, b: r.b, orders: Number(r.n) })),
  };
}
