import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestCell, type Member, type TestCell } from "../testing/cell.js";

const CREATE_ORDER = `mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { orderId totalVnd replayed order { channel paymentMethod totalVnd location { name } lines { itemName quantity unitPriceVnd lineTotalVnd item { name } } payments { method amountVnd status } } }
}`;

describe("Given a tenant with two locations and a menu", () => {
  let cell: TestCell;
  let hanoi: string;
  let saigon: string;
  let pho: string;
  let tra: string;
  let retired: string;
  const owner: Member = { tenant: "pho-24", role: "owner" };
  let hanoiStaff: Member;

  beforeAll(async () => {
    cell = await startTestCell("orders");
    const t = await cell.provision({ slug: "pho-24", locations: [{ name: "Hà Nội" }, { name: "Sài Gòn" }] });
    [hanoi, saigon] = [t.locations.find((l) => l.name === "Hà Nội")!.id, t.locations.find((l) => l.name === "Sài Gòn")!.id];
    hanoiStaff = { tenant: "pho-24", role: "staff", locations: [hanoi] };
    await cell.provision({ slug: "other" });
    const { createMenuCategory: c } = await cell.ok<{ createMenuCategory: { id: string } }>(owner, `mutation { createMenuCategory(input: { name: "Phở" }) { id } }`);
    const item = async (name: string, priceVnd: number) =>
      (await cell.ok<{ createMenuItem: { id: string } }>(owner, "mutation($i: MenuItemInput!) { createMenuItem(input: $i) { id } }", { i: { categoryId: c.id, name, priceVnd } })).createMenuItem.id;
    pho = await item("Phở bò", 55_000);
    tra = await item("Trà đá", 5_000);
    retired = await item("Phở gà", 50_000);
    await cell.ok(owner, "mutation($id: ID!) { archiveMenuItem(id: $id) { id } }", { id: retired });
  });
  afterAll(() => cell.close());

  const order = (over: Record<string, unknown> = {}) => ({
    locationId: hanoi,
    idempotencyKey: `key-${Math.random().toString(36).slice(2)}`,
    channel: "DINE_IN",
    paymentMethod: "MOMO",
    lines: [
      { menuItemId: pho, quantity: 2 },
      { menuItemId: tra, quantity: 3 },
    ],
    ...over,
  });

  it("records a sale at menu prices with its lines and payment", async () => {
    const data = await cell.ok<{ createOrder: Record<string, unknown> }>(hanoiStaff, CREATE_ORDER, { input: order() });
    expect(data.createOrder).toMatchObject({
      totalVnd: 125_000,
      replayed: false,
      order: {
        channel: "DINE_IN",
        paymentMethod: "MOMO",
        totalVnd: 125_000,
        location: { name: "Hà Nội" },
        payments: [{ method: "MOMO", amountVnd: 125_000, status: "SUCCEEDED" }],
      },
    });
    expect((data.createOrder.order as { lines: unknown[] }).lines).toEqual(
      expect.arrayContaining([
        { itemName: "Phở bò", quantity: 2, unitPriceVnd: 55_000, lineTotalVnd: 110_000, item: { name: "Phở bò" } },
        { itemName: "Trà đá", quantity: 3, unitPriceVnd: 5_000, lineTotalVnd: 15_000, item: { name: "Trà đá" } },
      ]),
    );
    const outbox = await cell.db.admin.query(`select payload from ${cell.db.schema}.outbox where topic = 'order.created' and key = $1`, [data.createOrder.orderId]);
    expect(outbox.rows[0].payload).toMatchObject({ totalVnd: 125_000, locationId: hanoi, channel: "dine_in" });
  });

  it("is idempotent by the client's key, also under concurrent retries", async () => {
    const input = order();
    const results = await Promise.all([1, 2, 3, 4].map(() => cell.ok<{ createOrder: { orderId: string; replayed: boolean } }>(hanoiStaff, CREATE_ORDER, { input })));
    expect(new Set(results.map((r) => r.createOrder.orderId)).size).toBe(1);
    expect(results.filter((r) => !r.createOrder.replayed)).toHaveLength(1);
    const { rows } = await cell.db.admin.query(`select count(*)::int as n from ${cell.db.schema}.orders where idempotency_key = $1`, [input.idempotencyKey]);
    expect(rows[0].n).toBe(1);
  });

  it("refuses to reuse a key for a different order", async () => {
    const input = order();
    await cell.ok(hanoiStaff, CREATE_ORDER, { input });
    const r = await cell.gql(hanoiStaff, CREATE_ORDER, { input: { ...input, lines: [{ menuItemId: pho, quantity: 1 }] } });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", field: "input.idempotencyKey" });
  });

  it("keeps staff to their own locations", async () => {
    const r = await cell.gql(hanoiStaff, CREATE_ORDER, { input: order({ locationId: saigon }) });
    expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const read = await cell.gql(hanoiStaff, "query($id: ID!) { location(id: $id) { name } }", { id: saigon });
    expect(read.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("lets staff date a sale at most 48 hours back, and owners and managers further", async () => {
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    const manager: Member = { tenant: "pho-24", role: "manager", locations: [hanoi] };
    const tooOld = await cell.gql(hanoiStaff, CREATE_ORDER, { input: order({ locationId: hanoi, orderedAt: daysAgo(3) }) });
    expect(tooOld.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "input.orderedAt" });
    expect(tooOld.errors?.[0]?.message).toMatch(/48 hours/);
    await cell.ok(hanoiStaff, CREATE_ORDER, { input: order({ locationId: hanoi, orderedAt: daysAgo(1) }) });
    await cell.ok(manager, CREATE_ORDER, { input: order({ locationId: hanoi, orderedAt: daysAgo(3) }) });
    await cell.ok(owner, CREATE_ORDER, { input: order({ locationId: hanoi, orderedAt: daysAgo(300) }) });
  });

  it("names the field of every bad input", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ lines: [] }, "input.lines"],
      [{ lines: [{ menuItemId: pho, quantity: 0 }] }, "input.lines[0].quantity"],
      [{ lines: [{ menuItemId: tra, quantity: 1 }, { menuItemId: "nope", quantity: 1 }] }, "input.lines[1].menuItemId"],
      [{ lines: [{ menuItemId: retired, quantity: 1 }] }, "input.lines[0].menuItemId"],
      [{ lines: [{ menuItemId: "00000000-0000-4000-8000-000000000000", quantity: 1 }] }, "input.lines[0].menuItemId"],
      [{ idempotencyKey: "short" }, "input.idempotencyKey"],
      [{ orderedAt: new Date(Date.now() + 3_600_000).toISOString() }, "input.orderedAt"],
      [{ orderedAt: "1999-12-31T12:00:00Z" }, "input.orderedAt"],
    ];
    for (const [over, field] of cases) {
      const r = await cell.gql(owner, CREATE_ORDER, { input: order(over) });
      expect({ field, extensions: r.errors?.[0]?.extensions }).toEqual({ field, extensions: expect.objectContaining({ code: "BAD_USER_INPUT", field }) });
    }
  });

  it("refuses a location of another tenant as if it did not exist", async () => {
    const other = await cell.provision({ slug: "other" });
    const r = await cell.gql(owner, CREATE_ORDER, { input: order({ locationId: other.locations[0]!.id }) });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.locationId" });
  });

  it("lists orders newest first as a Relay connection with filters and cursors", async () => {
    const base = Date.parse("2026-03-01T03:00:00Z");
    for (let i = 0; i < 5; i++) {
      await cell.ok(owner, CREATE_ORDER, {
        input: order({ locationId: saigon, orderedAt: new Date(base + i * 60_000).toISOString(), channel: i % 2 ? "TAKEAWAY" : "DELIVERY", paymentMethod: "CASH" }),
      });
    }
    const Q = `query($loc: ID, $after: String, $channel: Channel, $from: DateTime, $to: DateTime) {
      orders(locationId: $loc, first: 2, after: $after, channel: $channel, from: $from, to: $to) { edges { cursor node { orderedAt channel } } pageInfo { hasNextPage endCursor } }
    }`;
    type Page = { orders: { edges: { node: { orderedAt: string; channel: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const first = await cell.ok<Page>(owner, Q, { loc: saigon });
    expect(first.orders.edges.map((e) => e.node.orderedAt)).toEqual([new Date(base + 4 * 60_000).toISOString(), new Date(base + 3 * 60_000).toISOString()]);
    const second = await cell.ok<Page>(owner, Q, { loc: saigon, after: first.orders.pageInfo.endCursor });
    expect(second.orders.edges.map((e) => e.node.orderedAt)).toEqual([new Date(base + 2 * 60_000).toISOString(), new Date(base + 60_000).toISOString()]);
    const takeaway = await cell.ok<Page>(owner, Q, { loc: saigon, channel: "TAKEAWAY" });
    expect(takeaway.orders.edges.every((e) => e.node.channel === "TAKEAWAY")).toBe(true);
    const window = await cell.ok<Page>(owner, Q, { from: new Date(base + 60_000).toISOString(), to: new Date(base + 3 * 60_000).toISOString() });
    expect(window.orders.edges).toHaveLength(2);
    // Staff of Hà Nội never see Sài Gòn's orders, even without a location filter.
    const staffView = await cell.ok<Page>(hanoiStaff, Q, { from: new Date(base).toISOString(), to: new Date(base + 3_600_000).toISOString() });
    expect(staffView.orders.edges).toEqual([]);
  });

  it("hides another tenant's order by id", async () => {
    const { createOrder } = await cell.ok<{ createOrder: { orderId: string } }>(owner, CREATE_ORDER, { input: order() });
    const r = await cell.gql({ tenant: "other", role: "owner" }, "query($id: ID!) { order(id: $id) { id } }", { id: createOrder.orderId });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "id" });
  });
});
