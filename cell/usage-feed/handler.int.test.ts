import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { OutboxPage } from "./outbox.js";
import type { DailyLocationSales } from "./daily.js";
import { startTestCell, TEST_PLATFORM_KEY, type TestCell, type TestTenant } from "./testing.js";

// The feed's answers vary by path; each test reads the part it asserts on.
interface FeedBody extends Partial<OutboxPage> {
  days?: DailyLocationSales[];
  error?: { code: string; field?: string; message: string };
  activeLocations?: number;
  at?: string;
}

let cell: TestCell;
let pho: TestTenant;
let bun: TestTenant;

async function get(path: string, key = cell.platformKey): Promise<{ status: number; body: FeedBody }> {
  const res = await fetch(`${cell.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

beforeAll(async () => {
  cell = await startTestCell("feed");
  pho = await cell.addTenant("pho-ha-noi", ["Quận 1", "Quận 3"]);
  bun = await cell.addTenant("bun-cha", ["Hoàn Kiếm"]);
  // 2026-11-20 23:30 in Ho Chi Minh City is 16:30 UTC; 2026-11-21 00:30 local is 17:30 UTC.
  await cell.placeOrder(pho, { locationId: pho.locations[0]!.id, orderedAt: new Date("2026-11-20T16:30:00Z"), lines: [{ itemId: pho.items[0]!.id, quantity: 2 }] });
  await cell.placeOrder(pho, { locationId: pho.locations[0]!.id, orderedAt: new Date("2026-11-20T17:30:00Z"), lines: [{ itemId: pho.items[1]!.id, quantity: 1 }, { itemId: pho.items[2]!.id, quantity: 3 }] });
  await cell.placeOrder(pho, { locationId: pho.locations[1]!.id, orderedAt: new Date("2026-11-21T05:00:00Z"), lines: [{ itemId: pho.items[0]!.id, quantity: 1 }] });
  await cell.placeOrder(bun, { locationId: bun.locations[0]!.id, orderedAt: new Date("2026-11-21T05:00:00Z"), lines: [{ itemId: bun.items[1]!.id, quantity: 4 }] });
});

afterAll(async () => {
  await cell?.close();
});

describe("Given a cell serving two tenants with orders", () => {
  it("returns only the asked tenant's outbox rows, with each order's figures read from the order", async () => {
    const { status, body } = await get(`/internal/outbox?tenant=pho-ha-noi&after=0&limit=100`);
    expect(status).toBe(200);
    const page = body as OutboxPage;
    const orders = page.events.filter((e) => e.topic === "order.created");
    expect(orders).toHaveLength(3);
    expect(orders.map((e) => Number(e.order!.totalVnd))).toEqual([130_000, 55_000 + 87_000, 65_000]);
    expect(page.events.map((e) => e.topic)).toContain("tenant.provisioned");
    expect(page.hasMore).toBe(false);
  });

  it("pages after a cursor and says when more rows follow", async () => {
    const first = (await get(`/internal/outbox?tenant=pho-ha-noi&after=0&limit=2`)).body as OutboxPage;
    expect(first.events).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const second = (await get(`/internal/outbox?tenant=pho-ha-noi&after=${first.next}&limit=2`)).body as OutboxPage;
    expect(second.events).toHaveLength(2);
    expect(second.hasMore).toBe(false);
    expect(BigInt(second.events[0]!.id)).toBeGreaterThan(BigInt(first.next));
    const empty = (await get(`/internal/outbox?tenant=pho-ha-noi&after=${second.next}&limit=2`)).body as OutboxPage;
    expect(empty).toEqual({ events: [], next: second.next, hasMore: false, epoch: first.epoch, maxId: second.next });
  });

  it("says which outbox its ids count in and the tenant's highest id, and names a new epoch once the outbox is renewed", async () => {
    const pages = await Promise.all(["pho-ha-noi", "bun-cha"].map(async (slug) => (await get(`/internal/outbox?tenant=${slug}&after=0&limit=100`)).body as OutboxPage));
    const [phoPage, bunPage] = pages as [OutboxPage, OutboxPage];
    expect(phoPage.epoch).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(bunPage.epoch).toBe(phoPage.epoch);
    // Each tenant's own highest id, not the cell's: bun-cha's last order came after all of pho-ha-noi's rows.
    expect(phoPage.maxId).toBe(phoPage.events.at(-1)!.id);
    expect(bunPage.maxId).toBe(bunPage.events.at(-1)!.id);
    expect(BigInt(bunPage.maxId)).toBeGreaterThan(BigInt(phoPage.maxId));

    // What the restore procedure runs (docs/billing.md); the cell API's own role may not.
    await expect(cell.db.pool.query("select renew_outbox_epoch()")).rejects.toThrow(/permission denied/);
    const { rows } = await cell.cellDb.admin.query<{ epoch: string }>(`select ${cell.cellDb.admin.escapeIdentifier(cell.cellDb.schema)}.renew_outbox_epoch()::text as epoch`);
    const renewed = (await get(`/internal/outbox?tenant=pho-ha-noi&after=${phoPage.maxId}&limit=100`)).body as OutboxPage;
    expect(renewed.epoch).toBe(rows[0]!.epoch);
    expect(renewed.epoch).not.toBe(phoPage.epoch);
  });

  it("reports daily sales per location's local day, with items, equal to the orders placed", async () => {
    const { status, body } = await get(`/internal/daily?tenant=pho-ha-noi&from=2026-11-20&to=2026-11-21`);
    expect(status).toBe(200);
    const days = body.days!;
    const q1 = pho.locations[0]!.id;
    expect(days.find((d) => d.locationId === q1 && d.date === "2026-11-20")).toMatchObject({ revenueVnd: "130000", orders: 1, locationName: "Quận 1" });
    const q1Next = days.find((d) => d.locationId === q1 && d.date === "2026-11-21")!;
    expect(q1Next).toMatchObject({ revenueVnd: "142000", orders: 1 });
    expect(q1Next.items.map((i) => [i.itemName, i.quantity]).sort()).toEqual([["Bún chả Hà Nội", "1"], ["Cà phê sữa đá", "3"]]);
    expect(days.reduce((s, d) => s + Number(d.revenueVnd), 0)).toBe(130_000 + 142_000 + 65_000);
  });

  it("reads the tenant's active locations and staff seats", async () => {
    const { body } = await get(`/internal/gauges?tenant=bun-cha`);
    expect(body).toMatchObject({ activeLocations: 1, staffSeats: 1 });
    expect(Number.isNaN(Date.parse(body.at!))).toBe(false);
  });

  it("refuses a wrong or missing platform key", async () => {
    expect((await get(`/internal/outbox?tenant=pho-ha-noi`, "wrong-key")).status).toBe(401);
    // The cell holds its own key, derived from the platform's master: the master itself is not it.
    expect(cell.platformKey).not.toBe(TEST_PLATFORM_KEY);
    expect((await get(`/internal/outbox?tenant=pho-ha-noi`, TEST_PLATFORM_KEY)).status).toBe(401);
    const res = await fetch(`${cell.baseUrl}/internal/outbox?tenant=pho-ha-noi`);
    expect(res.status).toBe(401);
  });

  it("names the field that is wrong", async () => {
    const bad = await get(`/internal/outbox?tenant=pho-ha-noi&after=-1`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "BAD_REQUEST", field: "after" });
    const range = await get(`/internal/daily?tenant=pho-ha-noi&from=2026-11-21&to=2026-11-20`);
    expect(range.body.error).toMatchObject({ field: "to" });
    const date = await get(`/internal/daily?tenant=pho-ha-noi&from=2026-13-01&to=2026-13-02`);
    expect(date.body.error).toMatchObject({ field: "from" });
    const feb30 = await get(`/internal/daily?tenant=pho-ha-noi&from=2026-02-30&to=2026-03-01`);
    expect(feb30.body.error).toMatchObject({ field: "from", message: "from: must be a real calendar date" });
  });

  it("answers 404 for a tenant the cell does not serve, and leaves other paths to the server", async () => {
    const missing = await get(`/internal/gauges?tenant=nobody-here`);
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe("TENANT_NOT_FOUND");
    expect((await get(`/graphql`)).status).toBe(404);
  });
});
