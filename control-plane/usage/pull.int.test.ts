import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import { startTestCell, TEST_PLATFORM_KEY, type TestCell, type TestTenant } from "../../cell/usage-feed/testing.js";
import { migrateBilling } from "../billing/migrate.js";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { deriveCellKey } from "../../common/cell-keys.js";
import { CellFeedRequestError, CellUnavailableError, httpCellFeed, type CellFeed } from "./feed-client.js";
import { ingestUsageEvents } from "./ingest.js";
import { createUsageMetrics, feedLag, type UsageMetrics } from "./metrics.js";
import { pullTenantUsage } from "./pull.js";
import { usageSummaries } from "./query.js";
import type { UsageEvent } from "./events.js";
import type { Logger } from "../../common/logger.js";

let cp: TestDatabase;
let cell: TestCell;
let feed: CellFeed;
let tenant: TestTenant;
let registry: Registry;
let metrics: UsageMetrics;

const NOV = { from: new Date("2026-10-31T17:00:00Z"), to: new Date("2026-11-30T17:00:00Z") };

async function order(at: string, quantity = 1): Promise<number> {
  return (await cell.placeOrder(tenant, { locationId: tenant.locations[0]!.id, orderedAt: new Date(at), lines: [{ itemId: tenant.items[0]!.id, quantity }] })).totalVnd;
}

async function november() {
  const [summary] = await usageSummaries(cp.pool, NOV.from, NOV.to, [tenant.slug]);
  return summary;
}

beforeAll(async () => {
  cp = await createTestDatabase("usage");
  await migrateBilling(cp.pool);
  cell = await startTestCell("usage");
  tenant = await cell.addTenant("com-tam-sai-gon", ["Bến Thành", "Thảo Điền"]);
  feed = httpCellFeed({ cell: cell.name, baseUrl: cell.baseUrl, platformKey: TEST_PLATFORM_KEY, timeoutMs: 2_000 });
  registry = new Registry();
  metrics = createUsageMetrics(registry, cp.pool);
});

afterAll(async () => {
  await cell?.close();
  await cp?.drop();
});

describe("Given a cell whose tenant takes orders", () => {
  let expectedGmv = 0;

  it("ingests every order once, with its GMV, and reads the tenant's locations and seats", async () => {
    for (const at of ["2026-11-01T02:00:00Z", "2026-11-02T03:00:00Z", "2026-11-03T04:00:00Z"]) expectedGmv += await order(at, 2);
    const result = await pullTenantUsage({ pool: cp.pool, feed, tenantSlug: tenant.slug, metrics, pageSize: 2 });
    expect(result).toMatchObject({ inserted: 3, duplicates: 0, caughtUp: true });
    expect(result.pages).toBeGreaterThanOrEqual(2);
    expect(await november()).toEqual({ tenantSlug: tenant.slug, orders: 3, gmvVnd: BigInt(expectedGmv), maxActiveLocations: 2, maxStaffSeats: 1 });
  });

  it("counts a redelivered page once when the cursor is replayed from the start", async () => {
    await cp.pool.query(`update billing.feed_cursors set last_outbox_id = 0 where tenant_slug = $1`, [tenant.slug]);
    const replay = await pullTenantUsage({ pool: cp.pool, feed, tenantSlug: tenant.slug, metrics });
    expect(replay).toMatchObject({ inserted: 0, duplicates: 3 });
    expect((await november())!.orders).toBe(3);
    expect(await registry.getSingleMetricAsString("lsp_usage_events_duplicate_total")).toMatch(/lsp_usage_events_duplicate_total 3/);
  });

  it("loses nothing while the cell is down, reports the outage as lag, and catches up once it is back", async () => {
    await cp.pool.query(`update billing.feed_cursors set last_success_at = now() - interval '90 seconds' where tenant_slug = $1`, [tenant.slug]);
    await cell.stop();
    const during = [];
    for (const at of ["2026-11-10T05:00:00Z", "2026-11-10T06:00:00Z", "2026-11-11T07:00:00Z", "2026-11-29T16:59:59Z"]) during.push(await order(at));
    await expect(pullTenantUsage({ pool: cp.pool, feed, tenantSlug: tenant.slug, metrics })).rejects.toBeInstanceOf(CellUnavailableError);
    await expect(pullTenantUsage({ pool: cp.pool, feed, tenantSlug: tenant.slug, metrics })).rejects.toBeInstanceOf(CellUnavailableError);
    const [lag] = await feedLag(cp.pool);
    expect(lag).toMatchObject({ cell: cell.name, failingTenants: 1 });
    expect(lag!.lagSeconds).toBeGreaterThanOrEqual(90);
    expect(lag!.lastError).toMatch(/unavailable/);
    expect(await registry.getSingleMetricAsString("lsp_usage_feed_lag_seconds")).toMatch(new RegExp(`lsp_usage_feed_lag_seconds\\{cell="${cell.name}"\\} (9\\d|1\\d\\d)`));
    expect((await november())!.orders).toBe(3);

    await cell.start();
    const caughtUp = await pullTenantUsage({ pool: cp.pool, feed, tenantSlug: tenant.slug, metrics });
    expect(caughtUp).toMatchObject({ inserted: 4, caughtUp: true });
    expectedGmv += during.reduce((a, b) => a + b, 0);
    expect(await november()).toMatchObject({ orders: 7, gmvVnd: BigInt(expectedGmv) });
    const [after] = await feedLag(cp.pool);
    expect(after).toMatchObject({ failingTenants: 0 });
    // A complete read covers the outbox up to the cell's 5 s settle window before it.
    expect(after!.lagSeconds).toBeGreaterThanOrEqual(5);
    expect(after!.lagSeconds).toBeLessThan(10);
    const { rows } = await cp.pool.query<{ behind: number }>(`select extract(epoch from now() - last_success_at)::float8 as behind from billing.feed_cursors where tenant_slug = $1 and cell = $2`, [tenant.slug, cell.name]);
    expect(rows[0]!.behind).toBeGreaterThanOrEqual(5);
  });

  it("puts an order placed at 23:59:59 local time on the last day in the local month, not the next", async () => {
    // 2026-11-30T16:59:59Z is 23:59:59 on 30 November in Ho Chi Minh City; one second later is December.
    await order("2026-11-30T16:59:59Z");
    await order("2026-11-30T17:00:00Z");
    await pullTenantUsage({ pool: cp.pool, feed, tenantSlug: tenant.slug, metrics });
    expect((await november())!.orders).toBe(8);
  });
});

describe("Given the tenant moved to another cell, which holds a copy of its outbox under new ids", () => {
  // What a move leaves behind (ADR 1200): the same orders, outbox rows renumbered past the new
  // cell's own, and the new cell's feed read from its start.
  const OFFSET = 1_000_000;
  const movedFeed = (): CellFeed => ({
    cell: "cell-after-move",
    outbox: async (slug, after, limit) => {
      const page = await feed.outbox(slug, String(Math.max(0, Number(after) - OFFSET)), limit);
      return {
        ...page,
        events: page.events.map((e) => ({ ...e, id: String(Number(e.id) + OFFSET) })),
        next: String(Number(page.next) + OFFSET),
        maxId: String(Number(page.maxId) + OFFSET),
        epoch: "epoch-of-the-cell-after-the-move",
      };
    },
    daily: (slug, from, to) => feed.daily(slug, from, to),
    gauges: (slug) => feed.gauges(slug),
  });

  it("bills no order twice, and retires the cursor of the cell it left", async () => {
    const before = await november();
    const result = await pullTenantUsage({ pool: cp.pool, feed: movedFeed(), tenantSlug: tenant.slug, metrics });
    expect(result).toMatchObject({ inserted: 0, caughtUp: true });
    expect(result.duplicates).toBeGreaterThan(0);
    expect(await november()).toEqual(before);
    const { rows } = await cp.pool.query<{ cell: string; retired: boolean }>(`select cell, retired_at is not null as retired from billing.feed_cursors where tenant_slug = $1 order by cell`, [tenant.slug]);
    expect(rows).toEqual([
      { cell: "cell-after-move", retired: false },
      { cell: cell.name, retired: true },
    ]);
    // The cell it left is no longer watched for lag; moving back un-retires it.
    expect((await feedLag(cp.pool)).map((l) => l.cell)).toEqual(["cell-after-move"]);
    await pullTenantUsage({ pool: cp.pool, feed, tenantSlug: tenant.slug, metrics });
    const back = await cp.pool.query<{ cell: string; retired: boolean }>(`select cell, retired_at is not null as retired from billing.feed_cursors where tenant_slug = $1 order by cell`, [tenant.slug]);
    expect(back.rows).toEqual([
      { cell: "cell-after-move", retired: true },
      { cell: cell.name, retired: false },
    ]);
  });
});

describe("Given a cell whose outbox ids start again under the same cell name", () => {
  // The cell the tenant's feed is read from now, under the name of the one it read before: a
  // cell rebuilt under a reused name (or a tenant moved into a recreated cell) numbers its outbox
  // from 1 again, below the cursor stored for that name.
  let rebuilt: TestCell;
  let rebuiltTenant: TestTenant;
  let rebuiltFeed: CellFeed;
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const log = { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) } as unknown as Logger;

  async function storedCursor(): Promise<{ id: string; epoch: string | null }> {
    const { rows } = await cp.pool.query<{ id: string; epoch: string | null }>(`select last_outbox_id::text as id, outbox_epoch as epoch from billing.feed_cursors where cell = $1 and tenant_slug = $2`, [cell.name, tenant.slug]);
    return rows[0]!;
  }

  async function rebuiltOrder(at: string): Promise<void> {
    await rebuilt.placeOrder(rebuiltTenant, { locationId: rebuiltTenant.locations[0]!.id, orderedAt: new Date(at), lines: [{ itemId: rebuiltTenant.items[0]!.id, quantity: 1 }] });
  }

  async function rebuiltMaxId(): Promise<number> {
    const { rows } = await rebuilt.cellDb.admin.query<{ max: string }>(`select max(id)::text as max from ${rebuilt.cellDb.admin.escapeIdentifier(rebuilt.cellDb.schema)}.outbox where tenant_id = $1`, [rebuiltTenant.id]);
    return Number(rows[0]!.max);
  }

  beforeAll(async () => {
    rebuilt = await startTestCell("usage-rebuilt");
    rebuiltTenant = await rebuilt.addTenant(tenant.slug, ["Bến Thành"]);
    rebuiltFeed = httpCellFeed({ cell: cell.name, baseUrl: rebuilt.baseUrl, platformKey: TEST_PLATFORM_KEY, timeoutMs: 2_000 });
  });

  afterAll(async () => {
    await rebuilt?.close();
  });

  it("reads the new outbox from its start, bills its orders and warns, instead of waiting for ids to pass the old cursor", async () => {
    await rebuiltOrder("2026-11-12T05:00:00Z");
    await rebuiltOrder("2026-11-12T06:00:00Z");
    const before = await storedCursor();
    expect(Number(before.id)).toBeGreaterThanOrEqual(await rebuiltMaxId());
    const orders = (await november())!.orders;

    const result = await pullTenantUsage({ pool: cp.pool, feed: rebuiltFeed, tenantSlug: tenant.slug, metrics, log });
    expect(result).toMatchObject({ restarted: true, inserted: 2, caughtUp: true });
    expect((await november())!.orders).toBe(orders + 2);
    const page = await rebuiltFeed.outbox(tenant.slug, "0", 1);
    expect(await storedCursor()).toEqual({ id: String(await rebuiltMaxId()), epoch: page.epoch });
    expect(warnings).toEqual([{ fields: expect.objectContaining({ cell: cell.name, tenant: tenant.slug, cursor: before.id, storedEpoch: before.epoch, feedEpoch: page.epoch }), message: expect.stringMatching(/^Restarted a usage cursor from 0: the cell's outbox is another one/) }]);
    expect(await registry.getSingleMetricAsString("lsp_usage_feed_restarts_total")).toContain(`lsp_usage_feed_restarts_total{cell="${cell.name}"} 1`);

    const again = await pullTenantUsage({ pool: cp.pool, feed: rebuiltFeed, tenantSlug: tenant.slug, metrics, log });
    expect(again).toMatchObject({ restarted: false, inserted: 0, duplicates: 0 });
  });

  it("reads an outbox restored from a backup (same epoch, ids rewound below the cursor) from its start", async () => {
    // A restore to before the two orders above: their outbox rows are gone and the ids rewind.
    const cursor = Number((await storedCursor()).id);
    const outbox = `${rebuilt.cellDb.admin.escapeIdentifier(rebuilt.cellDb.schema)}.outbox`;
    await rebuilt.cellDb.admin.query(`delete from ${outbox} where id > $1`, [cursor - 2]);
    await rebuilt.cellDb.admin.query(`alter table ${outbox} alter column id restart with ${cursor - 1}`);
    await rebuiltOrder("2026-11-13T05:00:00Z");
    expect(await rebuiltMaxId()).toBeLessThan(cursor);
    const orders = (await november())!.orders;

    const result = await pullTenantUsage({ pool: cp.pool, feed: rebuiltFeed, tenantSlug: tenant.slug, metrics, log });
    expect(result).toMatchObject({ restarted: true, inserted: 1, caughtUp: true });
    expect((await november())!.orders).toBe(orders + 1);
    expect(warnings.at(-1)!.message).toMatch(/the cursor \d+ is past the cell's highest outbox id \d+/);
  });

  it("adopts the feed's epoch for a cursor stored before epochs, reading nothing again", async () => {
    await cp.pool.query(`update billing.feed_cursors set outbox_epoch = null where cell = $1 and tenant_slug = $2`, [cell.name, tenant.slug]);
    const before = await storedCursor();
    const result = await pullTenantUsage({ pool: cp.pool, feed: rebuiltFeed, tenantSlug: tenant.slug, metrics, log });
    expect(result).toMatchObject({ restarted: false, inserted: 0, duplicates: 0, cursor: before.id });
    expect((await storedCursor()).epoch).toBe((await rebuiltFeed.outbox(tenant.slug, "0", 1)).epoch);
  });

  it("still restarts a cursor stored before epochs that is past the cell's highest id", async () => {
    await cp.pool.query(`update billing.feed_cursors set outbox_epoch = null, last_outbox_id = 1000000 where cell = $1 and tenant_slug = $2`, [cell.name, tenant.slug]);
    await rebuiltOrder("2026-11-14T05:00:00Z");
    const orders = (await november())!.orders;
    const result = await pullTenantUsage({ pool: cp.pool, feed: rebuiltFeed, tenantSlug: tenant.slug, metrics, log });
    expect(result).toMatchObject({ restarted: true, inserted: 1, caughtUp: true });
    expect((await november())!.orders).toBe(orders + 1);
    expect(await storedCursor()).toEqual({ id: String(await rebuiltMaxId()), epoch: (await rebuiltFeed.outbox(tenant.slug, "0", 1)).epoch });
  });
});

describe("Given cells configured with per-cell platform keys", () => {
  // The operator gives each cell the key derived from the platform's master for the cell's
  // endpoint; the sync holds the master (TEST_PLATFORM_KEY) and presents the derived key.
  let masterKeyed: TestCell;

  beforeAll(async () => {
    masterKeyed = await startTestCell("usage-master-keyed", { platformKey: () => TEST_PLATFORM_KEY });
    await masterKeyed.addTenant("banh-khot", ["Vũng Tàu"]);
  });

  afterAll(async () => {
    await masterKeyed?.close();
  });

  it("reads a cell whose feed accepts only the key derived for its endpoint", async () => {
    expect(cell.platformKey).toBe(deriveCellKey(TEST_PLATFORM_KEY, "platform", cell.baseUrl));
    await expect(feed.gauges(tenant.slug)).resolves.toMatchObject({ activeLocations: 2 });
  });

  it("is refused by a cell configured with the master key, which the sync never presents", async () => {
    const masterFeed = httpCellFeed({ cell: masterKeyed.name, baseUrl: masterKeyed.baseUrl, platformKey: TEST_PLATFORM_KEY, timeoutMs: 2_000 });
    const refusal = await masterFeed.gauges("banh-khot").catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(CellFeedRequestError);
    expect(refusal).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
  });
});

describe("Given usage events delivered twice and out of order", () => {
  it("stores each once and sums the same as an ordered single delivery", async () => {
    const events: UsageEvent[] = Array.from({ length: 50 }, (_, i) => ({
      tenantSlug: "bun-bo-hue",
      eventId: `cell-x/outbox/${i + 1}`,
      kind: "order" as const,
      quantity: 1n,
      amountVnd: BigInt(10_000 + i * 1_000),
      occurredAt: new Date(Date.UTC(2026, 10, 1 + (i % 28), 3)),
    }));
    const shuffled = [...events, ...events.slice(0, 20)].sort((a, b) => (a.eventId.length * 7 + Number(a.amountVnd) * 13) % 97 - (b.eventId.length * 7 + Number(b.amountVnd) * 13) % 97);
    const first = await ingestUsageEvents(cp.pool, shuffled.slice(0, 35));
    const second = await ingestUsageEvents(cp.pool, shuffled.slice(35).reverse());
    const again = await ingestUsageEvents(cp.pool, events);
    expect(first.inserted + second.inserted).toBe(50);
    expect(again).toEqual({ inserted: 0, duplicates: 50 });
    const [summary] = await usageSummaries(cp.pool, NOV.from, NOV.to, ["bun-bo-hue"]);
    expect(summary).toMatchObject({ orders: 50, gmvVnd: BigInt(events.reduce((s, e) => s + Number(e.amountVnd), 0)) });
  });

  it("keeps the highest gauge reading of a day whatever order the readings arrive in", async () => {
    const reading = (quantity: bigint, hour: number): UsageEvent => ({ tenantSlug: "bun-bo-hue", eventId: "cell-x/gauge/active_locations/2026-11-05", kind: "active_locations", quantity, amountVnd: 0n, occurredAt: new Date(Date.UTC(2026, 10, 5, hour)) });
    await ingestUsageEvents(cp.pool, [reading(4n, 3)]);
    await ingestUsageEvents(cp.pool, [reading(2n, 1), reading(3n, 2)]);
    const [summary] = await usageSummaries(cp.pool, NOV.from, NOV.to, ["bun-bo-hue"]);
    expect(summary!.maxActiveLocations).toBe(4);
  });
});

describe("Given tenants of the cell whose subscriptions are cancelled", () => {
  const VIETNAM_TODAY = "(now() at time zone 'UTC' + interval '7 hours')::date";

  async function lagOfCell(): Promise<{ tenants: number; lagSeconds: number }> {
    const lag = (await feedLag(cp.pool)).find((l) => l.cell === cell.name)!;
    return { tenants: lag.tenants, lagSeconds: lag.lagSeconds };
  }

  it("stops counting a tenant toward its cell's lag once its cancellation is in effect (its Tenant was deleted)", async () => {
    const before = await lagOfCell();
    expect(before.lagSeconds).toBeLessThan(60);
    await cp.pool.query(`insert into billing.subscription_changes (tenant_slug, effective_on, plan) values ('deleted-tenant', '2026-01-01', 'growth'), ('deleted-tenant', ${VIETNAM_TODAY}, 'cancelled')`);
    await cp.pool.query(`insert into billing.feed_cursors (cell, tenant_slug, last_success_at) values ($1, 'deleted-tenant', now() - interval '30 days')`, [cell.name]);
    const after = await lagOfCell();
    expect(after.tenants).toBe(before.tenants);
    expect(after.lagSeconds).toBeLessThan(60);
  });

  it("keeps counting a tenant whose cancellation starts tomorrow, or that chose a plan again after one", async () => {
    await cp.pool.query(`insert into billing.subscription_changes (tenant_slug, effective_on, plan) values ('leaving-tenant', '2026-01-01', 'growth'), ('leaving-tenant', ${VIETNAM_TODAY} + 1, 'cancelled')`);
    await cp.pool.query(`insert into billing.subscription_changes (tenant_slug, effective_on, plan) values ('resumed-tenant', '2026-01-01', 'cancelled'), ('resumed-tenant', '2026-02-01', 'starter')`);
    await cp.pool.query(`insert into billing.feed_cursors (cell, tenant_slug, last_success_at) values ($1, 'leaving-tenant', now() - interval '2 days'), ($1, 'resumed-tenant', now() - interval '3 days')`, [cell.name]);
    const lag = await lagOfCell();
    expect(lag.lagSeconds).toBeGreaterThanOrEqual(3 * 86_400);
    expect(lag.tenants).toBe(3);
  });
});
