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
    cell = await startTestCell("orders", { redis: true });
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
    const { createOrder: recent } = await cell.ok<{ createOrder: { orderId: string } }>(owner, CREATE_ORDER, { input: order({ locationId: saigon }) });
    const staffView = await cell.ok<{ orders: { edges: { node: { id: string; location: { name: string } } }[] } }>(hanoiStaff, "{ orders(first: 200) { edges { node { id location { name } } } } }");
    expect(staffView.orders.edges.map((e) => e.node.id)).not.toContain(recent.orderId);
    expect(staffView.orders.edges.every((e) => e.node.location.name === "Hà Nội")).toBe(true);
  });

  it("hides another tenant's order by id", async () => {
    const { createOrder } = await cell.ok<{ createOrder: { orderId: string } }>(owner, CREATE_ORDER, { input: order() });
    const r = await cell.gql({ tenant: "other", role: "owner" }, "query($id: ID!) { order(id: $id) { id } }", { id: createOrder.orderId });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "id" });
  });

  describe("when a sale's answer was lost and the till retries it", () => {
    const versionOf = async (location: string): Promise<number> => {
      const { Redis } = await import("ioredis");
      const redis = new Redis(process.env.REDIS_URL!);
      try {
        return Number((await redis.get(`lsp:${cell.db.schema}:dash-version:${location}`)) ?? 0);
      } finally {
        redis.disconnect();
      }
    };

    it("answers with the recorded sale even after an item in it was marked sold out, and invalidates the dashboards again", async () => {
      const input = order();
      const first = await cell.ok<{ createOrder: { orderId: string } }>(hanoiStaff, CREATE_ORDER, { input });
      await cell.ok(owner, "mutation($id: ID!) { updateMenuItem(id: $id, input: { available: false }) { id } }", { id: tra });
      try {
        const before = await versionOf(hanoi);
        const retry = await cell.gql<{ createOrder: { orderId: string; replayed: boolean } }>(hanoiStaff, CREATE_ORDER, { input });
        expect(retry.errors).toBeUndefined();
        expect(retry.data?.createOrder).toMatchObject({ orderId: first.createOrder.orderId, replayed: true });
        // The first attempt may have died before it invalidated: the replay does it (ADR 0303).
        expect(await versionOf(hanoi)).toBe(before + 1);
        // A new sale with the sold-out item is still refused, on its line.
        const fresh = await cell.gql(hanoiStaff, CREATE_ORDER, { input: order() });
        expect(fresh.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.lines[1].menuItemId" });
      } finally {
        await cell.ok(owner, "mutation($id: ID!) { updateMenuItem(id: $id, input: { available: true }) { id } }", { id: tra });
      }
      const { rows } = await cell.db.admin.query(`select count(*)::int as n from ${cell.db.schema}.orders where idempotency_key = $1`, [input.idempotencyKey]);
      expect(rows[0].n).toBe(1);
    });

    it("answers with the recorded sale when the caller could not enter it now (location taken away, dated beyond staff's 48 hours)", async () => {
      const bothStaff: Member = { tenant: "pho-24", role: "staff", locations: [hanoi, saigon] };
      const atSaigon = order({ locationId: saigon });
      const first = await cell.ok<{ createOrder: { orderId: string } }>(bothStaff, CREATE_ORDER, { input: atSaigon });
      // The answer; the order's details stay behind the location check (Order needs the location).
      const RETRY = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { orderId totalVnd replayed } }";
      const retry = await cell.gql<{ createOrder: { orderId: string; replayed: boolean } }>(hanoiStaff, RETRY, { input: atSaigon });
      expect(retry.data?.createOrder).toMatchObject({ orderId: first.createOrder.orderId, replayed: true });
      const old = order({ orderedAt: new Date(Date.now() - 3 * 86_400_000).toISOString() });
      const entered = await cell.ok<{ createOrder: { orderId: string } }>(owner, CREATE_ORDER, { input: old });
      const staffRetry = await cell.gql<{ createOrder: { orderId: string; replayed: boolean } }>(hanoiStaff, CREATE_ORDER, { input: old });
      expect(staffRetry.data?.createOrder).toMatchObject({ orderId: entered.createOrder.orderId, replayed: true });
      // A new key is still refused, and records nothing.
      const key = `key-${Math.random().toString(36).slice(2)}`;
      const refused = await cell.gql(hanoiStaff, CREATE_ORDER, { input: { ...atSaigon, idempotencyKey: key } });
      expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const tooOld = await cell.gql(hanoiStaff, CREATE_ORDER, { input: { ...old, idempotencyKey: `${key}-old` } });
      expect(tooOld.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "input.orderedAt" });
      const { rows } = await cell.db.admin.query(`select count(*)::int as n from ${cell.db.schema}.orders where idempotency_key like $1`, [`${key}%`]);
      expect(rows[0].n).toBe(0);
    });

    it("recognises the same sale however the till spelled or grouped its lines", async () => {
      const upper = order({ lines: [{ menuItemId: pho.toUpperCase(), quantity: 2 }] });
      const first = await cell.ok<{ createOrder: { orderId: string } }>(hanoiStaff, CREATE_ORDER, { input: upper });
      for (const lines of [[{ menuItemId: pho, quantity: 2 }], [{ menuItemId: pho, quantity: 1 }, { menuItemId: pho.toUpperCase(), quantity: 1 }]]) {
        const again = await cell.gql<{ createOrder: { orderId: string; replayed: boolean } }>(hanoiStaff, CREATE_ORDER, { input: { ...upper, lines } });
        expect({ lines, answer: again.data?.createOrder }).toEqual({ lines, answer: expect.objectContaining({ orderId: first.createOrder.orderId, replayed: true }) });
      }
      const different = await cell.gql(hanoiStaff, CREATE_ORDER, { input: { ...upper, lines: [{ menuItemId: pho, quantity: 3 }] } });
      expect(different.errors?.[0]?.extensions?.code).toBe("IDEMPOTENCY_KEY_REUSED");
      const missing = await cell.gql(hanoiStaff, CREATE_ORDER, { input: order({ lines: [{ menuItemId: tra, quantity: 1 }, { menuItemId: "ABCDEF00-0000-4000-8000-000000000000", quantity: 1 }] }) });
      expect(missing.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.lines[1].menuItemId" });
    });
  });

  it("records who entered a sale (the caller's user id) in created_by", async () => {
    const sub = "6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f";
    const { createOrder } = await cell.ok<{ createOrder: { orderId: string } }>({ ...hanoiStaff, sub }, CREATE_ORDER, { input: order() });
    const { rows } = await cell.db.admin.query(`select created_by from ${cell.db.schema}.orders where id = $1`, [createOrder.orderId]);
    expect(rows[0].created_by).toBe(sub);
  });

  it("reads DateTime only with an explicit offset and as a real calendar date", async () => {
    const local = await cell.ok<{ createOrder: { order: { orderedAt: string } } }>(owner, "mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { orderedAt } } }", {
      input: order({ orderedAt: "2026-03-01T19:00:00+07:00" }),
    });
    expect(local.createOrder.order.orderedAt).toBe("2026-03-01T12:00:00.000Z");
    for (const orderedAt of ["2026-03-01T12:00:00", "2026-02-30T10:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01 12:00:00Z", "2026-03-01T12:00:00+7"]) {
      const r = await cell.gql(owner, CREATE_ORDER, { input: order({ orderedAt }) });
      expect({ orderedAt, extensions: r.errors?.[0]?.extensions }).toEqual({ orderedAt, extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) });
    }
    const literal = await cell.gql(owner, `{ orders(first: 1, from: "2026-03-01T00:00:00") { edges { cursor } } }`);
    expect(literal.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("answers client mistakes as BAD_USER_INPUT on their field, not as unexpected errors", async () => {
    const Q = "query($after: String, $first: Int) { orders(first: $first, after: $after) { edges { node { id } } } }";
    const cases: [Record<string, unknown>, string][] = [
      [{ first: 2, after: "garbage" }, "after"],
      [{ first: 2, after: Buffer.from("GPC:S:not-a-uuid").toString("base64") }, "after"],
      [{ first: -1 }, "first"],
    ];
    for (const [variables, field] of cases) {
      const r = await cell.gql(owner, Q, variables);
      expect({ variables, extensions: r.errors?.[0]?.extensions }).toEqual({ variables, extensions: { code: "BAD_USER_INPUT", field } });
    }
    const nul = await cell.gql(owner, CREATE_ORDER, { input: order({ note: "a\u0000b" }) });
    expect(nul.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.note" });
  });

  describe("when staff read the order history", () => {
    const PAGE = `query($from: DateTime, $to: DateTime, $after: String) {
      orders(first: 200, from: $from, to: $to, after: $after) { edges { node { id totalVnd payments { amountVnd } } } pageInfo { hasNextPage endCursor } }
    }`;
    type Page = { orders: { edges: { node: { id: string; totalVnd: number } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    let old: string;
    let recent: string;

    beforeAll(async () => {
      old = (await cell.ok<{ createOrder: { orderId: string } }>(owner, CREATE_ORDER, { input: order({ orderedAt: hoursAgo(72) }) })).createOrder.orderId;
      recent = (await cell.ok<{ createOrder: { orderId: string } }>(hanoiStaff, CREATE_ORDER, { input: order({ orderedAt: hoursAgo(47) }) })).createOrder.orderId;
    });

    async function allIds(member: Member, variables: Record<string, unknown> = {}): Promise<string[]> {
      const ids: string[] = [];
      let after: string | undefined;
      do {
        const page: Page = await cell.ok<Page>(member, PAGE, { ...variables, after });
        ids.push(...page.orders.edges.map((e) => e.node.id));
        after = page.orders.pageInfo.hasNextPage ? page.orders.pageInfo.endCursor : undefined;
      } while (after);
      return ids;
    }

    it("shows them the last 48 hours of their locations, amounts and payments included", async () => {
      const ids = await allIds(hanoiStaff);
      expect(ids).toContain(recent);
      expect(ids).not.toContain(old);
      const sinceJustNow = await allIds(hanoiStaff, { from: hoursAgo(48) });
      expect(sinceJustNow).toContain(recent);
    });

    it("refuses an older range on its argument, and an older order by id", async () => {
      const from = await cell.gql(hanoiStaff, PAGE, { from: hoursAgo(72) });
      expect(from.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", field: "from" });
      expect(from.errors?.[0]?.message).toMatch(/48 hours/);
      const to = await cell.gql(hanoiStaff, PAGE, { to: hoursAgo(49) });
      expect(to.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", field: "to" });
      const byId = await cell.gql(hanoiStaff, "query($id: ID!) { order(id: $id) { totalVnd } }", { id: old });
      expect(byId.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", field: "id" });
      await cell.ok(hanoiStaff, "query($id: ID!) { order(id: $id) { totalVnd } }", { id: recent });
    });

    it("leaves owners and managers the whole history", async () => {
      const manager: Member = { tenant: "pho-24", role: "manager", locations: [hanoi] };
      for (const member of [owner, manager]) {
        expect(await allIds(member, { from: hoursAgo(24 * 365) })).toEqual(expect.arrayContaining([old, recent]));
        await cell.ok(member, "query($id: ID!) { order(id: $id) { totalVnd } }", { id: old });
      }
    });
  });
});
