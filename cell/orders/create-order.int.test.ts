// create_order counts its own sales into the aggregates (the statement triggers skip its inserts,
// ADR 0440): every sale must be counted exactly once — by the function or by the triggers, never
// both, never neither — including when other writes share its transaction or run concurrently.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createDatabase, type Database } from "../db/index.js";
import { provisionTenant } from "../provisioning/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { createOrder, replayOrder, type OrderRequest } from "./index.js";

interface Aggregates {
  revenue: number;
  orders: number;
  items: Record<string, { quantity: number; revenue: number }>;
  paid: Record<string, number>;
}

describe("Given a location taking sales through create_order", () => {
  let cell: TestCellDatabase;
  let db: Database;
  let tenantId: string;
  let location: string;
  const items: Record<"pho" | "bun" | "tra", string> = {} as never;
  const PRICES = { pho: 55_000, bun: 45_000, tra: 5_000 };
  let n = 0;
  const sale = (lines: [keyof typeof items, number][], paymentMethod: OrderRequest["paymentMethod"] = "cash"): OrderRequest => ({
    locationId: location,
    idempotencyKey: `agg-${process.pid}-${++n}`,
    channel: "dine_in",
    paymentMethod,
    lines: lines.map(([item, quantity]) => ({ menuItemId: items[item], quantity })),
  });

  // The same figures twice: independently from the location's orders, lines and payments, and
  // from the aggregates the sales maintain. Queries return revenue, orders / id, q, r / method, a.
  const SCANNED = {
    totals: "select coalesce(sum(total_vnd), 0)::int as revenue, count(*)::int as orders from orders where location_id = $1",
    items: "select menu_item_id as id, sum(quantity)::int as q, sum(line_total_vnd)::int as r from order_lines group by 1",
    paid: "select method, sum(amount_vnd)::int as a from payments group by 1",
  };
  const AGGREGATED = {
    totals: "select coalesce(sum(revenue_vnd), 0)::int as revenue, coalesce(sum(orders), 0)::int as orders from location_hourly_sales where location_id = $1",
    items: "select menu_item_id as id, sum(quantity)::int as q, sum(revenue_vnd)::int as r from location_item_daily_sales group by 1",
    paid: "select method, sum(amount_vnd)::int as a from location_daily_payments group by 1",
  };
  function figures(queries: typeof SCANNED): Promise<Aggregates> {
    return db.sql(tenantId, async (c) => {
      const totals = (await c.query(queries.totals, [location])).rows[0];
      const lines = (await c.query(queries.items)).rows;
      const paid = (await c.query(queries.paid)).rows;
      return {
        revenue: totals.revenue,
        orders: totals.orders,
        items: Object.fromEntries(lines.map((l) => [l.id, { quantity: l.q, revenue: l.r }])),
        paid: Object.fromEntries(paid.map((p) => [p.method, p.a])),
      };
    });
  }
  const scanned = () => figures(SCANNED);
  const aggregated = () => figures(AGGREGATED);

  beforeAll(async () => {
    cell = await createTestCellDatabase("orders");
    db = createDatabase({ connectionString: cell.roleUrl, schema: cell.schema, poolSize: 12 });
    ({ tenantId } = await provisionTenant(cell.admin, cell.cellName, {
      slug: "quan-ngon",
      displayName: "Quán Ngon",
      plan: "starter",
      owner: { phone: "+84900000011", name: "Owner" },
      locations: [{ name: "Phan Bội Châu", timezone: "Asia/Ho_Chi_Minh" }],
    }));
    await db.sql(tenantId, async (c) => {
      location = (await c.query("select id from locations")).rows[0].id;
      const category = (await c.query("insert into menu_categories (tenant_id, name) values ($1, 'Món') returning id", [tenantId])).rows[0].id;
      for (const [key, name] of [["pho", "Phở"], ["bun", "Bún chả"], ["tra", "Trà đá"]] as const) {
        items[key] = (await c.query("insert into menu_items (tenant_id, category_id, name, price_vnd) values ($1, $2, $3, $4) returning id", [tenantId, category, name, PRICES[key]])).rows[0].id;
      }
    });
  });
  afterAll(async () => {
    await db?.close();
    await cell?.drop();
  });

  it("counts a sale once and returns today's snapshot including it", async () => {
    const created = await createOrder(db.pool, tenantId, { userId: "u1" }, sale([["pho", 2], ["tra", 2]], "momo"));
    expect(created.dashboard).toMatchObject({ locationId: location, revenueVnd: 120_000, orders: 1, paidVnd: { momo: 120_000 } });
    expect(await aggregated()).toEqual(await scanned());
  });

  it("counts nothing again for a replayed idempotency key, and returns no snapshot for it", async () => {
    const request = sale([["bun", 1]]);
    await createOrder(db.pool, tenantId, { userId: "u1" }, request);
    const replay = await createOrder(db.pool, tenantId, { userId: "u1" }, request);
    expect(replay).toMatchObject({ replayed: true });
    expect(replay.dashboard).toBeUndefined();
    expect(await aggregated()).toEqual(await scanned());
  });

  it("leaves the triggers on for the rest of its transaction: an order written after it is counted too", async () => {
    await db.sql(tenantId, async (c) => {
      await createOrder(c, tenantId, { userId: "u1" }, sale([["pho", 1]]));
      const order = (
        await c.query(
          "insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd) values ($1, $2, $3, 'h', 'takeaway', 'card', 45000) returning id",
          [tenantId, location, `direct-${process.pid}`],
        )
      ).rows[0].id;
      await c.query("insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd) values ($1, $2, $3, 'Bún chả', 1, 45000, 45000)", [tenantId, order, items.bun]);
      await c.query("insert into payments (tenant_id, order_id, method, amount_vnd) values ($1, $2, 'card', 45000)", [tenantId, order]);
    });
    expect(await aggregated()).toEqual(await scanned());
  });

  it("stays exact, without deadlocks, under concurrent sales of the same items in different orders", async () => {
    const orders = Array.from({ length: 40 }, (_, i) =>
      sale(i % 2 === 0 ? [["pho", 1 + (i % 3)], ["bun", 1], ["tra", 2]] : [["tra", 1], ["bun", 2], ["pho", 1]], i % 3 === 0 ? "cash" : "zalopay"),
    );
    const results = await Promise.all(orders.map((o) => createOrder(db.pool, tenantId, { userId: "u1" }, o)));
    expect(results.every((r) => !r.replayed)).toBe(true);
    const totals = await aggregated();
    expect(totals).toEqual(await scanned());
    // The last sale to commit saw every earlier one: the highest snapshot is the final total.
    expect(Math.max(...results.map((r) => r.dashboard!.orders))).toBe(totals.orders);
  });

  it("answers a retry with the recorded sale before it checks the menu, which may have changed since", async () => {
    const request = sale([["pho", 1], ["tra", 1]]);
    const first = await createOrder(db.pool, tenantId, { userId: "u1" }, request);
    await db.sql(tenantId, (c) => c.query("update menu_items set available = false where id = $1", [items.tra]));
    try {
      const retry = await createOrder(db.pool, tenantId, { userId: "u1" }, request);
      expect(retry).toMatchObject({ orderId: first.orderId, replayed: true, totalVnd: 60_000 });
      await expect(createOrder(db.pool, tenantId, { userId: "u1" }, sale([["tra", 1]]))).rejects.toMatchObject({ field: "lines[0].menuItemId", message: "menu item 'Trà đá' is not available" });
    } finally {
      await db.sql(tenantId, (c) => c.query("update menu_items set available = true where id = $1", [items.tra]));
    }
    expect(await aggregated()).toEqual(await scanned());
  });

  it("replays only, for a request the API refuses: the recorded sale, or nothing written for a new key", async () => {
    const request = sale([["bun", 2]]);
    expect(await replayOrder(db.pool, tenantId, { userId: "u1" }, request)).toBeUndefined();
    const count = () => db.sql(tenantId, async (c) => (await c.query("select count(*)::int as n from orders where idempotency_key = $1", [request.idempotencyKey])).rows[0].n);
    expect(await count()).toBe(0);
    const created = await createOrder(db.pool, tenantId, { userId: "u1" }, request);
    expect(await replayOrder(db.pool, tenantId, { userId: "u1" }, request)).toMatchObject({ orderId: created.orderId, replayed: true });
    await expect(replayOrder(db.pool, tenantId, { userId: "u1" }, { ...request, lines: [{ menuItemId: items.bun, quantity: 3 }] })).rejects.toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    expect(await count()).toBe(1);
  });

  it("records the entering user's id as created_by when it is a UUID (control-plane users are)", async () => {
    const userId = "6F1C2A4E-8B3D-4C5E-9F70-1A2B3C4D5E6F";
    const created = await createOrder(db.pool, tenantId, { userId }, sale([["pho", 1]]));
    const other = await createOrder(db.pool, tenantId, { userId: "not-a-uuid" }, sale([["pho", 1]]));
    const createdBy = (id: string) => db.sql(tenantId, async (c) => (await c.query("select created_by from orders where id = $1", [id])).rows[0].created_by);
    expect(await createdBy(created.orderId)).toBe(userId.toLowerCase());
    expect(await createdBy(other.orderId)).toBeNull();
  });
});
