// The pizza restaurant as one tenant's GetRecommendations input, the way the cell would build
// it: 120 days of daily units per item, 8 weeks of weekday x hour orders, 4 weeks of baskets.
// The export has no food costs, so each item gets a fixed, deterministic cost share of 25-45%
// of its price (an assumption for the benchmark, stated in docs/benchmarks/ml.md).
import { addDays, toDayNumber, type RecommendationInput, type SaleLine } from "../../ml/index.js";

export function pizzaTenantInput(lines: readonly SaleLine[], asOf: string, tenantId = "pizza"): RecommendationInput {
  const dailyFrom = addDays(asOf, -119);
  const hourlyFrom = addDays(asOf, -55);
  const basketFrom = addDays(asOf, -27);
  const last = toDayNumber(asOf);
  const first = toDayNumber(dailyFrom);
  const price = new Map<string, number>();
  const quantities = new Map<string, number[]>();
  const openDays = new Set<string>();
  const orders = new Map<string, { date: string; time: string; items: Set<string> }>();
  for (const l of lines) {
    if (l.date > asOf || l.date < dailyFrom) continue;
    price.set(l.itemId, l.unitPrice);
    openDays.add(l.date);
    let q = quantities.get(l.itemId);
    if (!q) quantities.set(l.itemId, (q = new Array<number>(last - first + 1).fill(0)));
    q[toDayNumber(l.date) - first]! += l.quantity;
    const o = orders.get(l.orderId) ?? { date: l.date, time: l.time, items: new Set<string>() };
    o.items.add(l.itemId);
    orders.set(l.orderId, o);
  }
  const closedDates: string[] = [];
  for (let d = first; d <= last; d++) {
    const date = addDays(dailyFrom, d - first);
    if (!openDays.has(date)) closedDates.push(date);
  }
  const hourly = new Map<string, { weekday: number; hour: number; orders: number; revenue: number }>();
  const baskets: string[][] = [];
  for (const o of orders.values()) {
    if (o.date >= hourlyFrom) {
      const weekday = new Date(`${o.date}T00:00:00Z`).getUTCDay();
      const hour = Number(o.time.slice(0, 2));
      const h = hourly.get(`${weekday}-${hour}`) ?? { weekday, hour, orders: 0, revenue: 0 };
      h.orders++;
      for (const id of o.items) h.revenue += price.get(id) ?? 0;
      hourly.set(`${weekday}-${hour}`, h);
    }
    if (o.date >= basketFrom) baskets.push([...o.items]);
  }
  const ids = [...quantities.keys()].sort();
  return {
    tenantId,
    locationId: "main",
    asOf,
    items: ids.map((itemId) => ({ itemId, name: itemId.replace(/_/g, " "), price: price.get(itemId)!, unitCost: Math.round(price.get(itemId)! * costShare(itemId) * 100) / 100 })),
    daily: ids.map((itemId) => ({ itemId, start: dailyFrom, quantities: quantities.get(itemId)!.map((v, i) => (openDays.has(addDays(dailyFrom, i)) ? v : Number.NaN)) })),
    hourly: [...hourly.values()],
    hourlyWeeks: 8,
    baskets,
    closedDates,
  };
}

function costShare(itemId: string): number {
  let h = 0;
  for (const c of itemId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 0.25 + (h % 21) / 100;
}
