import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { localToday } from "../dashboards/index.js";
import { createOrder } from "../orders/index.js";
import { startTestCell, type Member, type TestCell } from "../testing/cell.js";

const TODAY = `query($id: ID!, $limit: Int) { location(id: $id) { today todayRevenue todayOrders hourlyTrends { hour revenue orders } topItems(limit: $limit) { item { name } quantity revenue } } }`;
const SALE = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { orderId } }";

type Today = { location: { today: string; todayRevenue: number; todayOrders: number; hourlyTrends: { hour: number; revenue: number; orders: number }[]; topItems: { item: { name: string }; quantity: number; revenue: number }[] } };

describe("Given a location's dashboard with the Redis cache", () => {
  let cell: TestCell;
  let location: string;
  let items: Record<string, string>;
  const owner: Member = { tenant: "lau-de", role: "owner" };
  let n = 0;
  const sell = (lines: [string, number][], orderedAt?: string) =>
    cell.ok(owner, SALE, {
      input: { locationId: location, idempotencyKey: `dash-${++n}-${Date.now()}`, channel: "DINE_IN", paymentMethod: "CASH", lines: lines.map(([name, quantity]) => ({ menuItemId: items[name], quantity })), orderedAt },
    });

  beforeAll(async () => {
    cell = await startTestCell("dash", { redis: true });
    const t = await cell.provision({ slug: "lau-de", locations: [{ name: "Đà Lạt", timezone: "Asia/Ho_Chi_Minh" }] });
    location = t.locations[0]!.id;
    const { createMenuCategory: c } = await cell.ok<{ createMenuCategory: { id: string } }>(owner, `mutation { createMenuCategory(input: { name: "Lẩu" }) { id } }`);
    items = {};
    for (const [name, priceVnd] of [["Lẩu dê", 300_000], ["Bia", 20_000], ["Rau", 15_000]] as const) {
      items[name] = (await cell.ok<{ createMenuItem: { id: string } }>(owner, "mutation($i: MenuItemInput!) { createMenuItem(input: $i) { id } }", { i: { categoryId: c.id, name, priceVnd } })).createMenuItem.id;
    }
  });
  afterAll(() => cell.close());

  it("shows zero for a day without sales, with all 24 hours", async () => {
    const { location: l } = await cell.ok<Today>(owner, TODAY, { id: location });
    expect(l.today).toBe(localToday("Asia/Ho_Chi_Minh"));
    expect([l.todayRevenue, l.todayOrders, l.topItems]).toEqual([0, 0, []]);
    expect(l.hourlyTrends.map((h) => h.hour)).toEqual([...Array(24).keys()]);
  });

  it("includes a sale whose first attempt committed but never invalidated, once the client's retry returns", async () => {
    // A tenant of its own: the other tests count this location's exact figures.
    const shop: Member = { tenant: "retry-shop", role: "owner" };
    const t = await cell.provision({ slug: "retry-shop", locations: [{ name: "Vũng Tàu", timezone: "Asia/Ho_Chi_Minh" }] });
    const where = t.locations[0]!.id;
    const { createMenuCategory: c } = await cell.ok<{ createMenuCategory: { id: string } }>(shop, `mutation { createMenuCategory(input: { name: "Nước" }) { id } }`);
    const item = (await cell.ok<{ createMenuItem: { id: string } }>(shop, "mutation($i: MenuItemInput!) { createMenuItem(input: $i) { id } }", { i: { categoryId: c.id, name: "Bia", priceVnd: 20_000 } })).createMenuItem.id;
    expect((await cell.ok<Today>(shop, TODAY, { id: where })).location.todayRevenue).toBe(0);
    const key = `died-after-commit-${Date.now()}`;
    // The first attempt: committed, then its pod died before the cache was told.
    await createOrder(cell.server.database.pool, t.tenantId, { userId: "00000000-0000-4000-8000-000000000001" }, { locationId: where, idempotencyKey: key, channel: "dine_in", paymentMethod: "cash", lines: [{ menuItemId: item, quantity: 1 }] });
    const retry = await cell.ok<{ createOrder: { replayed: boolean } }>(shop, "mutation($input: CreateOrderInput!) { createOrder(input: $input) { replayed } }", {
      input: { locationId: where, idempotencyKey: key, channel: "DINE_IN", paymentMethod: "CASH", lines: [{ menuItemId: item, quantity: 1 }] },
    });
    expect(retry.createOrder.replayed).toBe(true);
    expect((await cell.ok<Today>(shop, TODAY, { id: where })).location.todayRevenue).toBe(20_000);
  });

  it("includes a sale in the very next read after the mutation returns (never a stale cached total)", async () => {
    await cell.ok<Today>(owner, TODAY, { id: location });
    await cell.ok<Today>(owner, TODAY, { id: location });
    await sell([["Lẩu dê", 1], ["Bia", 4]]);
    const first = (await cell.ok<Today>(owner, TODAY, { id: location })).location;
    expect([first.todayRevenue, first.todayOrders]).toEqual([380_000, 1]);
    await sell([["Bia", 2], ["Rau", 1]]);
    const second = (await cell.ok<Today>(owner, TODAY, { id: location })).location;
    expect([second.todayRevenue, second.todayOrders]).toEqual([435_000, 2]);
    const hour = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", hourCycle: "h23" }).format(new Date()));
    // The two sales may straddle an hour boundary; their hours together hold both.
    const busy = second.hourlyTrends.filter((h) => h.orders > 0);
    expect(busy.reduce((s, h) => s + h.revenue, 0)).toBe(435_000);
    expect(busy.map((h) => h.hour)).toContain(hour);
  });

  it("ranks top items by revenue and honours the limit", async () => {
    const { location: l } = await cell.ok<Today>(owner, TODAY, { id: location, limit: 2 });
    expect(l.topItems).toEqual([
      { item: { name: "Lẩu dê" }, quantity: 1, revenue: 300_000 },
      { item: { name: "Bia" }, quantity: 6, revenue: 120_000 },
    ]);
    const bad = await cell.gql(owner, TODAY, { id: location, limit: 0 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "limit" });
  });

  it("serves repeated reads from Redis with a 60 s TTL", async () => {
    const before = await cell.server.metrics.cacheLookups.get();
    const hits = () => before.values.find((v) => v.labels.result === "hit")?.value ?? 0;
    const hitsBefore = hits();
    await cell.ok(owner, TODAY, { id: location });
    await cell.ok(owner, TODAY, { id: location });
    const after = (await cell.server.metrics.cacheLookups.get()).values.find((v) => v.labels.result === "hit")?.value ?? 0;
    expect(after).toBeGreaterThan(hitsBefore);
    const keys = await cell.server.redis!.keys(`lsp:${cell.db.schema}:dash:${location}:*`);
    expect(keys.length).toBeGreaterThan(0);
    const ttl = await cell.server.redis!.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("reports any range of local days, with daily figures", async () => {
    await sell([["Lẩu dê", 2]], "2026-02-10T18:30:00Z"); // 01:30 on 11 Feb in Đà Lạt
    await sell([["Rau", 3]], "2026-02-12T04:00:00Z"); // 11:00 on 12 Feb
    const Q = `query($id: ID!, $from: LocalDate!, $to: LocalDate!) { location(id: $id) { dashboard(from: $from, to: $to) { revenue orders daily { date revenue orders } hourlyTrends { hour revenue } topItems(limit: 5) { item { name } quantity } } } }`;
    type R = { location: { dashboard: { revenue: number; orders: number; daily: { date: string; revenue: number; orders: number }[]; hourlyTrends: { hour: number; revenue: number }[]; topItems: unknown[] } } };
    const { location: l } = await cell.ok<R>(owner, Q, { id: location, from: "2026-02-10", to: "2026-02-12" });
    expect(l.dashboard.revenue).toBe(645_000);
    expect(l.dashboard.orders).toBe(2);
    expect(l.dashboard.daily).toEqual([
      { date: "2026-02-10", revenue: 0, orders: 0 },
      { date: "2026-02-11", revenue: 600_000, orders: 1 },
      { date: "2026-02-12", revenue: 45_000, orders: 1 },
    ]);
    expect(l.dashboard.hourlyTrends.filter((h) => h.revenue > 0)).toEqual([
      { hour: 1, revenue: 600_000 },
      { hour: 11, revenue: 45_000 },
    ]);
    const backwards = await cell.gql(owner, Q, { id: location, from: "2026-02-12", to: "2026-02-10" });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "to" });
    const tooLong = await cell.gql(owner, Q, { id: location, from: "2024-01-01", to: "2026-01-01" });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "to" });
    const notADate = await cell.gql(owner, Q, { id: location, from: "2026-02-30", to: "2026-03-01" });
    expect(notADate.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    // 366 days are a range; 367 are not.
    expect((await cell.gql(owner, Q, { id: location, from: "2025-02-13", to: "2026-02-13" })).errors).toBeUndefined();
    expect((await cell.gql(owner, Q, { id: location, from: "2025-02-12", to: "2026-02-13" })).errors?.[0]?.extensions).toMatchObject({ field: "to" });
  });

  it("refuses dates outside 2000–2099 and ranges over 366 days", async () => {
    const Q = `query($id: ID!, $from: LocalDate!, $to: LocalDate!) { location(id: $id) { dashboard(from: $from, to: $to) { revenue } } }`;
    const outside = await cell.gql(owner, Q, { id: location, from: "0000-01-01", to: "2026-01-01" });
    expect(outside.errors?.[0]?.message).toMatch(/between 2000-01-01 and 2099-12-31/);
    const huge = await cell.gql(owner, Q, { id: location, from: "2000-01-01", to: "2099-12-31" });
    expect(huge.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "to" });
  });

  it("shows revenue to owners and managers only", async () => {
    const staff = await cell.gql({ tenant: "lau-de", role: "staff", locations: [location] }, TODAY, { id: location });
    expect(staff.errors?.map((e) => e.extensions?.code)).toContain("FORBIDDEN");
    const manager = await cell.gql({ tenant: "lau-de", role: "manager", locations: [location] }, TODAY, { id: location });
    expect(manager.errors).toBeUndefined();
  });

  it("keeps working, uncached, when Redis is unreachable", async () => {
    const redis = cell.server.redis!;
    redis.disconnect();
    const { location: l } = await cell.ok<Today>(owner, TODAY, { id: location });
    expect(l.todayRevenue).toBe(435_000);
    await sell([["Bia", 1]]);
    expect((await cell.ok<Today>(owner, TODAY, { id: location })).location.todayRevenue).toBe(455_000);
    await redis.connect();
    // The failed invalidation makes this process bypass the cache for a TTL: still exact.
    expect((await cell.ok<Today>(owner, TODAY, { id: location })).location.todayRevenue).toBe(455_000);
  });
});
