import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import SchemaBuilder from "@pothos/core";
import { graphql, type GraphQLSchema } from "graphql";
import { startTestCell, TEST_PLATFORM_KEY, type TestCell, type TestTenant } from "../../cell/usage-feed/testing.js";
import { migrateBilling } from "../billing/migrate.js";
import { createTestDatabase, randomPhone, type TestDatabase } from "../testing/databases.js";
import { httpCellFeed, pullTenantUsage } from "../usage/index.js";
import { registerRollupSchema } from "./graphql.js";
import { syncDailySales } from "./sync.js";

interface Item { tenantSlug: string; itemName: string; revenueVnd: number; quantity: number }
interface Fig { revenueVnd: number; orders: number; averageTicketVnd: number; topItems: Item[] }
interface Per { periodStart: string; revenueVnd: number; orders: number }
interface Loc { locationId: string; locationName: string; total: Fig; periods: Per[] }
interface Ten { tenantSlug: string; total: Fig; periods: Per[]; locations: Loc[] }
interface RollupData { ownerRollup: { total: Fig; periods: Per[]; tenants: Ten[] } }
interface OpsData {
  platformTenantsPerCell: { cell: string; tenants: string[]; count: number }[];
  platformCellHealth: { cell: string; tenants: number; healthy: boolean; failingTenants: number }[];
  platformUsage: { tenantSlug: string; orders: number; gmvVnd: number }[];
}

interface Ctx {
  userId?: string;
  operator?: boolean;
}

let cp: TestDatabase;
let cellA: TestCell;
let cellB: TestCell;
let pho: TestTenant; // cell A, owned
let bun: TestTenant; // cell B, owned
let other: TestTenant; // cell B, someone else's
let owner: string;
let stranger: string;
let schema: GraphQLSchema;

const FROM = "2026-09-01";
const TO = "2026-10-31";

// Deterministic pseudo-random orders (mulberry32) so a failure can be replayed.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function placeRandomOrders(cell: TestCell, tenant: TestTenant, count: number, seed: number) {
  const random = rng(seed);
  const start = Date.parse("2026-08-31T17:00:00Z"); // 1 Sep local
  for (let i = 0; i < count; i++) {
    const lines = tenant.items.filter(() => random() < 0.6).map((item) => ({ itemId: item.id, quantity: 1 + Math.floor(random() * 3) }));
    if (lines.length === 0) lines.push({ itemId: tenant.items[0]!.id, quantity: 1 });
    await cell.placeOrder(tenant, { locationId: tenant.locations[Math.floor(random() * tenant.locations.length)]!.id, orderedAt: new Date(start + Math.floor(random() * 61 * 86_400_000)), lines });
  }
}

/** What the cell itself reports: its own aggregate tables, summed with its own date_trunc. */
async function cellFigures(cell: TestCell, tenant: TestTenant, grain: string) {
  const s = cell.cellDb.schema;
  const { rows } = await cell.cellDb.admin.query<{ bucket: string; revenue: string; orders: number }>(
    `select to_char(date_trunc($3, local_date), 'YYYY-MM-DD') as bucket, sum(revenue_vnd)::text as revenue, sum(orders)::int as orders
       from "${s}".location_hourly_sales where tenant_id = $1 and local_date between $2::date and $4::date group by 1 order by 1`,
    [tenant.id, FROM, grain, TO],
  );
  return rows;
}

async function cellTopItem(cell: TestCell, tenant: TestTenant) {
  const s = cell.cellDb.schema;
  const { rows } = await cell.cellDb.admin.query<{ name: string; revenue: string }>(
    `select m.name, sum(d.revenue_vnd)::text as revenue from "${s}".location_item_daily_sales d join "${s}".menu_items m on m.id = d.menu_item_id
      where d.tenant_id = $1 and d.local_date between $2::date and $3::date group by m.name order by sum(d.revenue_vnd) desc, m.name limit 1`,
    [tenant.id, FROM, TO],
  );
  return rows[0]!;
}

async function query(source: string, ctx: Ctx, variables: Record<string, unknown> = {}) {
  return graphql({ schema, source, contextValue: ctx, variableValues: variables });
}

async function addOwner(pool: pg.Pool, tenants: string[]): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(`insert into control_plane.users (phone, name) values ($1, 'Chủ chuỗi') returning id`, [randomPhone()]);
  const id = rows[0]!.id;
  for (const slug of tenants) {
    await pool.query(`insert into control_plane.tenants (slug, display_name, plan, owner_user_id) values ($1, $1, 'chain', $2) on conflict do nothing`, [slug, id]);
    await pool.query(`insert into control_plane.memberships (user_id, tenant_slug, role) values ($1, $2, 'owner')`, [id, slug]);
  }
  return id;
}

const ROLLUP = `query($from: String!, $to: String!, $grain: RollupGrain, $tenants: [String!]) {
  ownerRollup(from: $from, to: $to, grain: $grain, tenants: $tenants, topItems: 3) {
    total { revenueVnd orders averageTicketVnd topItems { tenantSlug itemName revenueVnd quantity } }
    periods { periodStart revenueVnd orders }
    tenants { tenantSlug total { revenueVnd orders topItems { itemName revenueVnd } } periods { periodStart revenueVnd orders }
      locations { locationId locationName total { revenueVnd orders averageTicketVnd } periods { periodStart revenueVnd orders } } }
  }
}`;

beforeAll(async () => {
  cp = await createTestDatabase("rollups");
  await migrateBilling(cp.pool);
  [cellA, cellB] = await Promise.all([startTestCell("rollup-a"), startTestCell("rollup-b")]);
  pho = await cellA.addTenant("pho-thin", ["Lò Đúc", "Hồ Tây", "Quận 1"]);
  bun = await cellB.addTenant("bun-cha-huong-lien", ["Lê Văn Hưu"]);
  other = await cellB.addTenant("com-ga-hai-nam", ["Quận 5"]);
  await placeRandomOrders(cellA, pho, 90, 1);
  await placeRandomOrders(cellB, bun, 40, 2);
  await placeRandomOrders(cellB, other, 10, 3);
  for (const [cell, tenant] of [[cellA, pho], [cellB, bun], [cellB, other]] as const) {
    const feed = httpCellFeed({ cell: cell.name, baseUrl: cell.baseUrl, platformKey: TEST_PLATFORM_KEY });
    await syncDailySales(cp.pool, feed, tenant.slug, FROM, TO);
    await pullTenantUsage({ pool: cp.pool, feed, tenantSlug: tenant.slug });
  }
  owner = await addOwner(cp.pool, [pho.slug, bun.slug]);
  stranger = await addOwner(cp.pool, [other.slug]);

  const builder = new SchemaBuilder<{ Context: Ctx }>({} as ConstructorParameters<typeof SchemaBuilder<{ Context: Ctx }>>[0]);
  builder.queryType({});
  registerRollupSchema<Ctx>(builder, {
    pool: () => cp.pool,
    userId: async (ctx) => {
      if (!ctx.userId) throw new Error("sign in first");
      return ctx.userId;
    },
    isPlatformOperator: async (ctx) => ctx.operator === true,
  });
  schema = builder.toSchema();
});

afterAll(async () => {
  await Promise.all([cellA?.close(), cellB?.close()]);
  await cp?.drop();
});

describe("Given an owner of two tenants served by different cells", () => {
  it.each(["day", "week", "month"])("reports per-%s figures equal to the sums the cells report", async (grain) => {
    const result = await query(ROLLUP, { userId: owner }, { from: FROM, to: TO, grain: grain.toUpperCase() });
    expect(result.errors).toBeUndefined();
    const rollup = (result.data as unknown as RollupData).ownerRollup;
    for (const [cell, tenant] of [[cellA, pho], [cellB, bun]] as const) {
      const expected = await cellFigures(cell, tenant, grain);
      const got = rollup.tenants.find((t) => t.tenantSlug === tenant.slug)!;
      expect(got.periods.map((p) => ({ bucket: p.periodStart, revenue: String(p.revenueVnd), orders: p.orders }))).toEqual(expected);
      // Each tenant's locations add up to the tenant, and the tenants to the total.
      expect(got.locations.reduce((s: number, l) => s + l.total.revenueVnd, 0)).toBe(got.total.revenueVnd);
    }
    expect(rollup.tenants.map((t) => t.tenantSlug)).toEqual([bun.slug, pho.slug]);
    expect(rollup.total.revenueVnd).toBe(rollup.tenants.reduce((s: number, t) => s + t.total.revenueVnd, 0));
    expect(rollup.total.orders).toBe(rollup.tenants.reduce((s: number, t) => s + t.total.orders, 0));
    expect(rollup.total.averageTicketVnd).toBe(Math.round(rollup.total.revenueVnd / rollup.total.orders));
  });

  it("counts every order the cells took, and names each tenant's best seller as the cell does", async () => {
    const result = await query(ROLLUP, { userId: owner }, { from: FROM, to: TO });
    const rollup = (result.data as unknown as RollupData).ownerRollup;
    expect(rollup.total.orders).toBe(130);
    for (const [cell, tenant] of [[cellA, pho], [cellB, bun]] as const) {
      const top = await cellTopItem(cell, tenant);
      const got = rollup.tenants.find((t) => t.tenantSlug === tenant.slug)!.total.topItems[0]!;
      expect({ name: got.itemName, revenue: String(got.revenueVnd) }).toEqual(top);
    }
    expect(rollup.tenants.find((t) => t.tenantSlug === pho.slug)!.locations.map((l) => l.locationName).sort()).toEqual(["Hồ Tây", "Lò Đúc", "Quận 1"]);
  });

  it("ranks top items per location and month, and across all tenants, as the cells' item sales do", async () => {
    const source = `query($tenants: [String!]) { ownerRollup(from: "${FROM}", to: "${TO}", grain: MONTH, tenants: $tenants, topItems: 2) {
      total { topItems { tenantSlug itemName revenueVnd } }
      tenants { locations { locationId periods { periodStart topItems { itemName revenueVnd quantity } } } } } }`;
    const rollup = ((await query(source, { userId: owner })).data as unknown as { ownerRollup: { total: Fig; tenants: { locations: { locationId: string; periods: (Per & { topItems: Item[] })[] }[] }[] } }).ownerRollup;
    const s = cellA.cellDb.schema;
    const location = pho.locations[0]!;
    const { rows } = await cellA.cellDb.admin.query<{ name: string; revenue: string; quantity: string }>(
      `select m.name, sum(d.revenue_vnd)::text as revenue, sum(d.quantity)::text as quantity from "${s}".location_item_daily_sales d join "${s}".menu_items m on m.id = d.menu_item_id
        where d.location_id = $1 and d.local_date between '2026-09-01' and '2026-09-30' group by m.name order by sum(d.revenue_vnd) desc, m.name limit 2`,
      [location.id],
    );
    const got = rollup.tenants.flatMap((t) => t.locations).find((l) => l.locationId === location.id)!.periods.find((p) => p.periodStart === "2026-09-01")!;
    expect(got.topItems.map((i) => ({ name: i.itemName, revenue: String(i.revenueVnd), quantity: String(i.quantity) }))).toEqual(rows);
    const [a, b] = await Promise.all([cellTopItem(cellA, pho), cellTopItem(cellB, bun)]);
    const best = Number(a.revenue) >= Number(b.revenue) ? { ...a, tenant: pho.slug } : { ...b, tenant: bun.slug };
    expect(rollup.total.topItems[0]).toEqual({ tenantSlug: best.tenant, itemName: best.name, revenueVnd: Number(best.revenue) });
  });

  it("ranks top items for the totals only when asked to skip the periods, with the same totals", async () => {
    const source = `query($p: Boolean) { ownerRollup(from: "${FROM}", to: "${TO}", grain: DAY, topItems: 3, periodTopItems: $p) {
      total { revenueVnd topItems { itemName revenueVnd } } periods { topItems { itemName } } } }`;
    type Data = { ownerRollup: { total: Fig; periods: { topItems: Item[] }[] } };
    const full = ((await query(source, { userId: owner }, { p: true })).data as unknown as Data).ownerRollup;
    const lean = ((await query(source, { userId: owner }, { p: false })).data as unknown as Data).ownerRollup;
    expect(lean.total).toEqual(full.total);
    expect(full.periods.some((p) => p.topItems.length > 0)).toBe(true);
    expect(lean.periods.every((p) => p.topItems.length === 0)).toBe(true);
  });

  it("follows a cell's late correction on the next sync instead of double counting", async () => {
    const before = (await query(ROLLUP, { userId: owner }, { from: FROM, to: TO, tenants: [bun.slug] })).data as unknown as RollupData;
    await cellB.placeOrder(bun, { locationId: bun.locations[0]!.id, orderedAt: new Date("2026-09-15T05:00:00Z"), lines: [{ itemId: bun.items[0]!.id, quantity: 10 }] });
    const feed = httpCellFeed({ cell: cellB.name, baseUrl: cellB.baseUrl, platformKey: TEST_PLATFORM_KEY });
    await syncDailySales(cp.pool, feed, bun.slug, FROM, TO);
    await syncDailySales(cp.pool, feed, bun.slug, FROM, TO);
    const after = (await query(ROLLUP, { userId: owner }, { from: FROM, to: TO, tenants: [bun.slug] })).data as unknown as RollupData;
    expect(after.ownerRollup.total.revenueVnd).toBe(before.ownerRollup.total.revenueVnd + 10 * bun.items[0]!.priceVnd);
    expect(after.ownerRollup.total.orders).toBe(before.ownerRollup.total.orders + 1);
  });

  it("lets two syncs of one tenant run at once (a scheduled round and an on-demand one) without a conflict or double count", async () => {
    const before = (await query(ROLLUP, { userId: owner }, { from: FROM, to: TO, tenants: [bun.slug] })).data as unknown as RollupData;
    const feed = httpCellFeed({ cell: cellB.name, baseUrl: cellB.baseUrl, platformKey: TEST_PLATFORM_KEY });
    await Promise.all([1, 2, 3, 4].map(() => syncDailySales(cp.pool, feed, bun.slug, FROM, TO)));
    const after = (await query(ROLLUP, { userId: owner }, { from: FROM, to: TO, tenants: [bun.slug] })).data as unknown as RollupData;
    expect(after.ownerRollup.total).toEqual(before.ownerRollup.total);
  });

  it("keeps the newer figures when a sync that fetched before another one would commit after it", async () => {
    const feed = httpCellFeed({ cell: cellB.name, baseUrl: cellB.baseUrl, platformKey: TEST_PLATFORM_KEY });
    // The first sync is held up right after its fetch (a slow network, a paused replica).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let fetches = 0;
    const slowFirst: typeof feed = {
      ...feed,
      cell: feed.cell,
      daily: async (slug, from, to) => {
        const days = await feed.daily(slug, from, to);
        if (fetches++ === 0) await held;
        return days;
      },
    };
    const first = syncDailySales(cp.pool, slowFirst, bun.slug, FROM, TO);
    while (fetches === 0) await new Promise((r) => setTimeout(r, 5));
    await cellB.placeOrder(bun, { locationId: bun.locations[0]!.id, orderedAt: new Date("2026-09-20T05:00:00Z"), lines: [{ itemId: bun.items[2]!.id, quantity: 3 }] });
    const second = syncDailySales(cp.pool, feed, bun.slug, FROM, TO);
    await Promise.race([second, new Promise((r) => setTimeout(r, 1_000))]);
    release();
    await Promise.all([first, second]);
    const [expected] = await cellFigures(cellB, bun, "year");
    const after = (await query(ROLLUP, { userId: owner }, { from: FROM, to: TO, tenants: [bun.slug] })).data as unknown as RollupData;
    // The order placed between the two fetches is in, as the cell reports it.
    expect({ revenue: String(after.ownerRollup.total.revenueVnd), orders: after.ownerRollup.total.orders }).toEqual({ revenue: expected!.revenue, orders: expected!.orders });
  });

  it("refuses a tenant the caller does not own, naming it", async () => {
    const result = await query(ROLLUP, { userId: owner }, { from: FROM, to: TO, tenants: [pho.slug, other.slug] });
    expect(result.errors?.[0]?.message).toContain(other.slug);
    expect(result.errors?.[0]?.originalError).toMatchObject({ code: "FORBIDDEN" });
    const own = (await query(ROLLUP, { userId: stranger }, { from: FROM, to: TO })).data as unknown as RollupData;
    expect(own.ownerRollup.tenants.map((t) => t.tenantSlug)).toEqual([other.slug]);
  });

  it("runs at most two rollups at once per replica, so many at once leave pooled connections for everything else", async () => {
    // A lock that every rollup's first read waits on holds them running; a client of its own watches.
    const blocker = await cp.pool.connect();
    const observer = new pg.Client({ connectionString: cp.url });
    await observer.connect();
    const waitingOnLock = async () =>
      Number(
        (await observer.query(`select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%rollups.location_daily%'`)).rows[0]
          .count,
      );
    try {
      await blocker.query("begin; lock table rollups.location_daily in access exclusive mode");
      const six = Array.from({ length: 6 }, () => query(ROLLUP, { userId: owner }, { from: FROM, to: TO }));
      for (let i = 0; i < 100 && (await waitingOnLock()) < 2; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      expect(await waitingOnLock()).toBe(2);
      // The pool (5 connections here) still serves a sign-in's query at once.
      expect((await cp.pool.query("select 1 as ok")).rows).toEqual([{ ok: 1 }]);
      await blocker.query("commit");
      for (const result of await Promise.all(six)) expect(result.errors).toBeUndefined();
    } finally {
      await blocker.query("rollback").catch(() => {});
      blocker.release();
      await observer.end();
    }
  });

  it("names the bad argument of an invalid range", async () => {
    const result = await query(ROLLUP, { userId: owner }, { from: "2026-10-31", to: "2026-09-01" });
    expect(result.errors?.[0]?.originalError).toMatchObject({ code: "BAD_REQUEST", details: { field: "to" } });
    const bad = await query(ROLLUP, { userId: owner }, { from: "2026-02-30", to: "2026-03-01" });
    expect(bad.errors?.[0]?.message).toMatch(/^from:/);
  });
});

describe("Given a platform operator", () => {
  it("lists tenants per cell, each cell's health and every tenant's usage", async () => {
    const ops = await query(`{ platformTenantsPerCell { cell tenants count } platformCellHealth { cell tenants healthy failingTenants feedLagSeconds } platformUsage(period: "2026-09") { tenantSlug orders gmvVnd maxActiveLocations } }`, { userId: owner, operator: true });
    expect(ops.errors).toBeUndefined();
    const data = ops.data as unknown as OpsData;
    expect(data.platformTenantsPerCell).toEqual(
      expect.arrayContaining([
        { cell: cellA.name, tenants: [pho.slug], count: 1 },
        { cell: cellB.name, tenants: [bun.slug, other.slug].sort(), count: 2 },
      ]),
    );
    expect(data.platformCellHealth.find((c) => c.cell === cellB.name)).toMatchObject({ tenants: 2, healthy: true, failingTenants: 0 });
    const september = (await cellFigures(cellA, pho, "month")).find((r) => r.bucket === "2026-09-01")!;
    expect(data.platformUsage.find((u) => u.tenantSlug === pho.slug)).toMatchObject({ orders: september.orders, gmvVnd: Number(september.revenue) });
  });

  it("leaves out the cells tenants moved away from and tenants that were deleted, so their cells stay healthy", async () => {
    // pho-thin was served by a cell before (its cursor there retired by the move).
    await cp.pool.query(`insert into billing.feed_cursors (cell, tenant_slug, last_success_at, retired_at) values ('cell-pho-left', $1, now() - interval '30 days', now() - interval '29 days')`, [pho.slug]);
    // A tenant of cell B deleted a month ago: its subscription was cancelled from the next day and its feed never read again.
    await cp.pool.query(`insert into billing.subscription_changes (tenant_slug, effective_on, plan) values ('hu-tieu', '2026-01-01', 'growth'), ('hu-tieu', (now() - interval '29 days')::date, 'cancelled')`);
    await cp.pool.query(`insert into billing.feed_cursors (cell, tenant_slug, last_success_at) values ($1, 'hu-tieu', now() - interval '30 days')`, [cellB.name]);
    await cp.pool.query(`insert into rollups.tenant_cells (tenant_slug, cell, synced_at) values ('hu-tieu', $1, now() - interval '30 days')`, [cellB.name]);

    const ops = await query(`{ platformTenantsPerCell { cell tenants count } platformCellHealth { cell tenants healthy failingTenants feedLagSeconds } }`, { userId: owner, operator: true });
    expect(ops.errors).toBeUndefined();
    const data = ops.data as unknown as OpsData;
    expect(data.platformTenantsPerCell.map((c) => c.cell)).not.toContain("cell-pho-left");
    expect(data.platformTenantsPerCell.find((c) => c.cell === cellB.name)).toEqual({ cell: cellB.name, tenants: [bun.slug, other.slug].sort(), count: 2 });
    expect(data.platformCellHealth.find((c) => c.cell === cellB.name)).toMatchObject({ tenants: 2, healthy: true });
  });

  it("is refused to anyone else", async () => {
    const result = await query(`{ platformCellHealth { cell } }`, { userId: owner });
    expect(result.errors?.[0]?.originalError).toMatchObject({ code: "FORBIDDEN" });
  });
});
