// Property-style check that dashboard totals are exact: random sales across locations in very
// different time zones (DST, half- and quarter-hour offsets, the date line), entered through the
// API with reads interleaved (so the cache is exercised), compared with figures computed here
// independently from the sales themselves (local time via Intl, not Postgres).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestCell, type Member, type TestCell } from "../testing/cell.js";

const ZONES = ["Asia/Ho_Chi_Minh", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham", "Pacific/Kiritimati"];
const CHANNELS = ["DINE_IN", "TAKEAWAY", "DELIVERY"];
const METHODS = ["CASH", "CARD", "MOMO", "ZALOPAY", "VNPAY", "BANK_TRANSFER"];
const SALES = Number(process.env.LSP_PROPERTY_SALES ?? 150);
const DAYS = 6;

/** Small deterministic PRNG (mulberry32) so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function localParts(instant: Date, timeZone: string): { date: string; hour: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23" })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
}

interface Sale {
  location: string;
  at: Date;
  lines: { item: string; quantity: number }[];
}

describe("Given random sales across locations in different time zones", () => {
  const seed = Number(process.env.LSP_PROPERTY_SEED ?? Date.now() % 1_000_000);
  const random = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const owner: Member = { tenant: "chain", role: "owner" };
  let cell: TestCell;
  let locations: { id: string; timezone: string }[];
  const prices = new Map<string, number>();
  const sales: Sale[] = [];

  beforeAll(async () => {
    cell = await startTestCell("totals", { redis: true });
    const t = await cell.provision({ slug: "chain", locations: ZONES.map((timezone, i) => ({ name: `L${i}`, timezone })) });
    locations = t.locations;
    const { createMenuCategory: c } = await cell.ok<{ createMenuCategory: { id: string } }>(owner, `mutation { createMenuCategory(input: { name: "All" }) { id } }`);
    for (let i = 0; i < 8; i++) {
      const priceVnd = 1_000 * (5 + Math.floor(random() * 200));
      const { createMenuItem } = await cell.ok<{ createMenuItem: { id: string } }>(owner, "mutation($i: MenuItemInput!) { createMenuItem(input: $i) { id } }", { i: { categoryId: c.id, name: `Item ${i}`, priceVnd } });
      prices.set(createMenuItem.id, priceVnd);
    }
  });
  afterAll(() => cell.close());

  function expected(location: { id: string; timezone: string }, from: string, to: string) {
    const hourly = Array.from({ length: 24 }, (_, hour) => ({ hour, revenue: 0, orders: 0 }));
    const items = new Map<string, { quantity: number; revenue: number }>();
    const daily = new Map<string, { revenue: number; orders: number }>();
    for (const sale of sales.filter((s) => s.location === location.id)) {
      const { date, hour } = localParts(sale.at, location.timezone);
      if (date < from || date > to) continue;
      const total = sale.lines.reduce((sum, l) => sum + prices.get(l.item)! * l.quantity, 0);
      hourly[hour]!.revenue += total;
      hourly[hour]!.orders += 1;
      const d = daily.get(date) ?? { revenue: 0, orders: 0 };
      daily.set(date, { revenue: d.revenue + total, orders: d.orders + 1 });
      for (const l of sale.lines) {
        const it = items.get(l.item) ?? { quantity: 0, revenue: 0 };
        items.set(l.item, { quantity: it.quantity + l.quantity, revenue: it.revenue + prices.get(l.item)! * l.quantity });
      }
    }
    return {
      revenue: hourly.reduce((s, h) => s + h.revenue, 0),
      orders: hourly.reduce((s, h) => s + h.orders, 0),
      hourly,
      daily,
      items: Object.fromEntries(items),
    };
  }

  const RANGE = `query($id: ID!, $from: LocalDate!, $to: LocalDate!) { location(id: $id) {
    today todayRevenue todayOrders hourlyTrends { hour revenue orders } topItems(limit: 100) { item { id } quantity revenue }
    dashboard(from: $from, to: $to) { revenue orders hourlyTrends { hour revenue orders } daily { date revenue orders } topItems(limit: 100) { item { id } quantity revenue } }
  } }`;
  type Figures = { revenue: number; orders: number; hourlyTrends: { hour: number; revenue: number; orders: number }[]; topItems: { item: { id: string }; quantity: number; revenue: number }[] };
  type Result = { location: Figures & { today: string; todayRevenue: number; todayOrders: number } & { dashboard: Figures & { daily: { date: string; revenue: number; orders: number }[] } } };

  async function checkAll(): Promise<void> {
    for (const location of locations) {
      const today = localParts(new Date(), location.timezone).date;
      const from = localParts(new Date(Date.now() - (DAYS + 1) * 86_400_000), location.timezone).date;
      const { location: got } = await cell.ok<Result>(owner, RANGE, { id: location.id, from, to: today });
      const range = expected(location, from, today);
      const day = expected(location, today, today);
      const context = `seed ${seed}, location ${location.timezone}`;
      expect({ context, today: got.today }).toEqual({ context, today });
      expect({ context, revenue: got.todayRevenue, orders: got.todayOrders, hourly: got.hourlyTrends }).toEqual({ context, revenue: day.revenue, orders: day.orders, hourly: day.hourly });
      expect({ context, items: Object.fromEntries(got.topItems.map((i) => [i.item.id, { quantity: i.quantity, revenue: i.revenue }])) }).toEqual({ context, items: day.items });
      expect({ context, revenue: got.dashboard.revenue, orders: got.dashboard.orders, hourly: got.dashboard.hourlyTrends }).toEqual({ context, revenue: range.revenue, orders: range.orders, hourly: range.hourly });
      expect({ context, daily: got.dashboard.daily.filter((d) => d.orders > 0) }).toEqual({
        context,
        daily: [...range.daily.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, d]) => ({ date, ...d })),
      });
      expect({ context, items: Object.fromEntries(got.dashboard.topItems.map((i) => [i.item.id, { quantity: i.quantity, revenue: i.revenue }])) }).toEqual({ context, items: range.items });
      const revenues = got.dashboard.topItems.map((i) => i.revenue);
      expect(revenues).toEqual([...revenues].sort((a, b) => b - a));
    }
  }

  it(`matches an independent computation for every figure (${SALES} sales)`, async () => {
    const ids = [...prices.keys()];
    for (let i = 0; i < SALES; i++) {
      const location = pick(locations);
      // A third of the sales happen "now" (today's figures); the rest over the last DAYS days.
      const at = random() < 0.33 ? new Date() : new Date(Date.now() - Math.floor(random() * DAYS * 86_400_000));
      const lines = Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({ item: pick(ids), quantity: 1 + Math.floor(random() * 5) }));
      const sale: Sale = { location: location.id, at, lines };
      await cell.ok(owner, "mutation($input: CreateOrderInput!) { createOrder(input: $input) { orderId } }", {
        input: {
          locationId: location.id,
          idempotencyKey: `prop-${seed}-${i}`,
          channel: pick(CHANNELS),
          paymentMethod: pick(METHODS),
          orderedAt: at.toISOString(),
          lines: lines.map((l) => ({ menuItemId: l.item, quantity: l.quantity })),
        },
      });
      sales.push(sale);
      // Reads between writes: a cached figure must never survive a newer sale.
      if (i % 37 === 0) await checkAll();
    }
    await checkAll();
  });
});
