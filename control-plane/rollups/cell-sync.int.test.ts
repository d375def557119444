import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestCell, TEST_PLATFORM_KEY, type TestCell, type TestTenant } from "../../cell/usage-feed/testing.js";
import { migrateBilling } from "../billing/migrate.js";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { httpCellFeed, usageSummaries, type CellFeed } from "../usage/index.js";
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

describe("Given a tenant whose daily sales were last synced longer ago than the re-sync window", () => {
  let c: TestTenant;

  beforeAll(async () => {
    c = await up.addTenant("mi-quang", ["Hội An"]);
  });

  it("re-syncs every day since its last successful sync, not only the last three", async () => {
    const round = (now: Date) => syncRound({ pool: cp.pool, platformKey: TEST_PLATFORM_KEY, targets: async () => [{ tenantSlug: c.slug, cell: up.name, baseUrl: up.baseUrl }] }, now);
    expect((await round(new Date(NOW.getTime() - 10 * 86_400_000))).synced).toEqual([c.slug]);
    await cp.pool.query(`update rollups.tenant_cells set synced_at = $2 where tenant_slug = $1`, [c.slug, new Date(NOW.getTime() - 10 * 86_400_000)]);
    // Orders the cell took while the control plane could not read it: a week ago and yesterday.
    for (const daysAgo of [7, 1]) {
      await up.placeOrder(c, { locationId: c.locations[0]!.id, orderedAt: new Date(NOW.getTime() - daysAgo * 86_400_000), lines: [{ itemId: c.items[0]!.id, quantity: 1 }] });
    }
    expect((await round(NOW)).synced).toEqual([c.slug]);
    expect(await rolledUp(c.slug)).toBe(2 * c.items[0]!.priceVnd);
  });
});

describe("Given the feed a round reads daily sales from", () => {
  let d: TestTenant;
  const asked: string[] = [];
  const recording = (t: SyncTarget): CellFeed => {
    const feed = httpCellFeed({ cell: t.cell, baseUrl: t.baseUrl, platformKey: TEST_PLATFORM_KEY });
    return { ...feed, cell: feed.cell, daily: (slug, from, to) => (asked.push(`${from}..${to}`), feed.daily(slug, from, to)) };
  };
  const round = () => syncRound({ pool: cp.pool, platformKey: TEST_PLATFORM_KEY, targets: async () => [{ tenantSlug: d.slug, cell: up.name, baseUrl: up.baseUrl }], feedFor: recording }, NOW);
  const lastSynced = (at: string) => cp.pool.query(`update rollups.tenant_cells set synced_at = $2 where tenant_slug = $1`, [d.slug, at]);

  beforeAll(async () => {
    d = await up.addTenant("cao-lau", ["Hội An"]);
  });

  it("asks for every day it serves for a tenant never synced, for the last three days right after a sync, and never more than 400 days", async () => {
    expect((await round()).synced).toEqual([d.slug]);
    await lastSynced("2024-11-22T05:00:00Z");
    await round();
    await lastSynced(NOW.toISOString());
    await round();
    expect(asked).toEqual(["2025-10-19..2026-11-22", "2025-10-19..2026-11-22", "2026-11-20..2026-11-22"]);
  });
});

describe("Given a tenant whose usage cannot be pulled", () => {
  it("still syncs its daily sales, and reports the usage failure", async () => {
    const e = await up.addTenant("banh-mi", ["Hội An"]);
    await up.placeOrder(e, { locationId: e.locations[0]!.id, orderedAt: NOW, lines: [{ itemId: e.items[2]!.id, quantity: 2 }] });
    const brokenGauges = (t: SyncTarget): CellFeed => {
      const feed = httpCellFeed({ cell: t.cell, baseUrl: t.baseUrl, platformKey: TEST_PLATFORM_KEY });
      return { ...feed, cell: feed.cell, gauges: async () => Promise.reject(new Error("gauges answered garbage")) };
    };
    const round = await syncRound({ pool: cp.pool, platformKey: TEST_PLATFORM_KEY, targets: async () => [{ tenantSlug: e.slug, cell: up.name, baseUrl: up.baseUrl }], feedFor: brokenGauges }, NOW);
    expect(await rolledUp(e.slug)).toBe(2 * e.items[2]!.priceVnd);
    expect(round).toEqual({ synced: [], failed: [{ tenantSlug: e.slug, cell: up.name, error: "usage: gauges answered garbage" }] });
  });
});

describe("Given the background loop's progress, which the billing sync's liveness probe reads", () => {
  const target: SyncTarget[] = [{ tenantSlug: "progress-probe", cell: "probe-cell", baseUrl: "http://127.0.0.1:9" }];
  const waitFor = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("keeps moving while every cell fails, round after round (each failure is progress)", async () => {
    let calls = 0;
    const failing = (): CellFeed => {
      const refuse = () => {
        calls++;
        return Promise.reject(new Error("cell 'probe-cell' usage feed unavailable: connection refused"));
      };
      return { cell: "probe-cell", outbox: refuse, daily: refuse, gauges: refuse };
    };
    const loop = startCellSync({ pool: cp.pool, platformKey: TEST_PLATFORM_KEY, targets: async () => target, feedFor: failing, intervalMs: 50 });
    try {
      const started = loop.lastProgressAt();
      await waitFor("three rounds", () => calls >= 6);
      expect(loop.lastProgressAt()).toBeGreaterThan(started);
      expect(Date.now() - loop.lastProgressAt()).toBeLessThan(1_000);
    } finally {
      await loop.stop();
    }
  });

  it("stops moving while a request to a cell never returns", async () => {
    let asked = 0;
    const hanging = (): CellFeed => {
      const never = () => {
        asked++;
        return new Promise<never>(() => {});
      };
      return { cell: "probe-cell", outbox: never, daily: never, gauges: never };
    };
    const loop = startCellSync({ pool: cp.pool, platformKey: TEST_PLATFORM_KEY, targets: async () => target, feedFor: hanging, intervalMs: 50 });
    await waitFor("the first request", () => asked > 0);
    const stuckAt = loop.lastProgressAt();
    await new Promise((r) => setTimeout(r, 400));
    expect(loop.lastProgressAt()).toBe(stuckAt);
    expect(Date.now() - loop.lastProgressAt()).toBeGreaterThanOrEqual(400);
    // stop() waits for the round in progress, which never ends here: not awaited.
    void loop.stop();
  });
});
