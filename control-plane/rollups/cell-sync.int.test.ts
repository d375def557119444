import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestCell, TEST_PLATFORM_KEY, type TestCell, type TestTenant } from "../../cell/usage-feed/testing.js";
import { migrateBilling } from "../billing/migrate.js";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { usageSummaries } from "../usage/index.js";
import { startCellSync, syncRound, type SyncTarget } from "./cell-sync.js";

let cp: TestDatabase;
let up: TestCell;
let down: TestCell;
let a: TestTenant;
let b: TestTenant;
let targets: SyncTarget[];
const NOW = new Date("2026-11-22T05:00:00Z");

beforeAll(async () => {
  cp = await createTestDatabase("cellsync");
  await migrateBilling(cp.pool);
  [up, down] = await Promise.all([startTestCell("sync-up"), startTestCell("sync-down")]);
  a = await up.addTenant("banh-xeo", ["Quận 3"]);
  b = await down.addTenant("bun-rieu", ["Quận 4"]);
  await up.placeOrder(a, { locationId: a.locations[0]!.id, orderedAt: new Date("2026-11-21T05:00:00Z"), lines: [{ itemId: a.items[0]!.id, quantity: 2 }] });
  await down.placeOrder(b, { locationId: b.locations[0]!.id, orderedAt: new Date("2026-11-22T01:00:00Z"), lines: [{ itemId: b.items[1]!.id, quantity: 1 }] });
  targets = [
    { tenantSlug: b.slug, cell: down.name, baseUrl: down.baseUrl },
    { tenantSlug: a.slug, cell: up.name, baseUrl: up.baseUrl },
  ];
});

afterAll(async () => {
  await Promise.all([up?.close(), down?.close()]);
  await cp?.drop();
});

async function rolledUp(tenant: string): Promise<number> {
  const { rows } = await cp.pool.query<{ revenue: string | null }>(`select sum(revenue_vnd)::text as revenue from rollups.location_daily where tenant_slug = $1`, [tenant]);
  return Number(rows[0]!.revenue ?? 0);
}

describe("Given two cells, one of them down", () => {
  it("syncs the tenants of the cell that is up and reports the other as failed", async () => {
    await down.stop();
    const round = await syncRound({ pool: cp.pool, platformKey: TEST_PLATFORM_KEY, targets: async () => targets }, NOW);
    expect(round.synced).toEqual([a.slug]);
    expect(round.failed).toEqual([expect.objectContaining({ tenantSlug: b.slug, cell: down.name, error: expect.stringMatching(/unavailable/) })]);
    expect(await rolledUp(a.slug)).toBe(2 * a.items[0]!.priceVnd);
    expect(await rolledUp(b.slug)).toBe(0);
  });

  it("catches the other cell up once it is back, in the background loop", async () => {
    await down.start();
    const loop = startCellSync({ pool: cp.pool, platformKey: TEST_PLATFORM_KEY, targets: async () => targets, intervalMs: 50, resyncDays: 400 });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await rolledUp(b.slug)) === 0) await new Promise((r) => setTimeout(r, 50));
    await loop.stop();
    expect(await rolledUp(b.slug)).toBe(b.items[1]!.priceVnd);
    const usage = await usageSummaries(cp.pool, new Date("2026-10-31T17:00:00Z"), new Date("2026-11-30T17:00:00Z"));
    expect(usage.map((u) => [u.tenantSlug, u.orders])).toEqual([[a.slug, 1], [b.slug, 1]]);
  });
});
