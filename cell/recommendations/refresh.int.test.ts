// A location's advice refreshed against the ML pod as it runs in a cell (ml/main.ts, its own
// process, scraped on /metrics) and the cell's real Postgres schema: a repeat refresh with
// unchanged data is answered by data version alone, new data is sent and recomputed, a restarted
// pod gets the data again without the caller noticing, and tenants never share answers.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { increase, parsePrometheusText, type Samples } from "../../observability/testing/prometheus.js";
import { LIMITS } from "../../ml/server/validate.js";
import { freePort } from "../../scripts/services/processes.js";
import { createDatabase, type Database } from "../db/index.js";
import { createMlClient, type MlClient } from "../ml-client/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { ML_ITEMS_PER_REQUEST, recommendationsDataVersion, recommendationsInput } from "./ml-input.js";
import { lastCompleteDay, refreshLocationRecommendations } from "./refresh.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SERVICE = "lsp.ml.v1.MlService";
const NOW = new Date("2026-03-16T05:00:00Z"); // noon in Ho Chi Minh City: the last complete day is the 15th
const AS_OF = lastCompleteDay("Asia/Ho_Chi_Minh", NOW);
const MENU = [
  ["Phở bò", 65_000],
  ["Bún chả", 55_000],
  ["Cà phê sữa đá", 29_000],
  ["Bánh mì", 30_000],
] as const;

let db: TestCellDatabase;
let database: Database;
let ml: MlClient;
let pod: ChildProcess | undefined;
let grpcPort: number;
let httpBase: string;

async function startPod(): Promise<void> {
  pod = spawn(process.execPath, ["--import", "tsx", "ml/main.ts", "--host", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "", LOG_LEVEL: "warn", PORT: String(grpcPort), ML_HTTP_PORT: new URL(httpBase).port, OTEL_EXPORTER_OTLP_ENDPOINT: "" },
    stdio: "ignore",
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (pod.exitCode !== null) throw new Error(`ml/main.ts exited with ${pod.exitCode}`);
    if ((await fetch(`${httpBase}/readyz`).then((r) => r.status, () => 0)) === 200) return;
    await sleep(200);
  }
  throw new Error("ml/main.ts not ready after 60 s");
}

async function stopPod(): Promise<void> {
  const child = pod;
  pod = undefined;
  if (child && child.exitCode === null) await new Promise((done) => (child.once("exit", done), child.kill("SIGTERM")));
}

async function scrape(): Promise<Samples> {
  const res = await fetch(`${httpBase}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
}

/** How the pod's counters moved over `work`: answers by version, computations, resends asked for. */
async function podCounts(work: () => Promise<unknown>): Promise<{ hit: number; miss: number; ok: number; sendData: number }> {
  const before = await scrape();
  await work();
  const after = await scrape();
  const calls = (code: string) => increase(before, after, "lsp_ml_grpc_requests_total", { service: SERVICE, method: "GetRecommendations", code });
  const lookups = (result: string) => increase(before, after, "lsp_ml_recommendation_cache_lookups_total", { result });
  return { hit: lookups("hit"), miss: lookups("miss"), ok: calls("OK"), sendData: calls("FAILED_PRECONDITION") };
}

interface Shop {
  tenantId: string;
  locationId: string;
  items: string[];
}

/** A tenant with one location, a four-dish menu and 8 weeks of orders up to AS_OF. */
async function seedShop(slug: string, seed: number): Promise<Shop> {
  const s = db.admin.escapeIdentifier(db.schema);
  const q = (text: string, values: unknown[]) => db.admin.query(text, values);
  const tenantId = (await q(`insert into ${s}.tenants (slug, display_name, plan) values ($1, $1, 'starter') returning id`, [slug])).rows[0].id as string;
  const locationId = (await q(`insert into ${s}.locations (tenant_id, name) values ($1, 'Quận 1') returning id`, [tenantId])).rows[0].id as string;
  const categoryId = (await q(`insert into ${s}.menu_categories (tenant_id, name) values ($1, 'Món') returning id`, [tenantId])).rows[0].id as string;
  const items: string[] = [];
  for (const [name, price] of MENU) items.push((await q(`insert into ${s}.menu_items (tenant_id, category_id, name, price_vnd) values ($1, $2, $3, $4) returning id`, [tenantId, categoryId, name, price])).rows[0].id);
  // Each day: a few orders per dish at lunch and dinner, more on weekends; dish k sells (k + seed) % 3 extra.
  await q(
    `with o as (
       insert into ${s}.orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at, local_date, local_hour)
       select $1, $2, 'seed-' || d::date || '-' || h || '-' || n, 'h', 'dine_in', 'cash', 0, d + make_interval(hours => h - 7), d::date, h
         from generate_series($3::date - 55, $3::date, interval '1 day') d, unnest(array[11, 12, 18, 19]) h,
              generate_series(1, 3 + case when extract(isodow from d) >= 6 then 2 else 0 end) n
       returning id, idempotency_key)
     insert into ${s}.order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
     select $1, o.id, m.id, m.name, 1 + ((k + $5) % 3), m.price_vnd, m.price_vnd * (1 + ((k + $5) % 3))
       from o, unnest($4::uuid[]) with ordinality as i(item, k) join ${s}.menu_items m on m.id = i.item
      where (k + length(o.idempotency_key)) % 2 = 0 or k = 1`,
    [tenantId, locationId, AS_OF, items, seed],
  );
  return { tenantId, locationId, items };
}

/** One more sale at the shop at noon local time on `day` (by default the last complete day: inside every window). */
async function sell(shop: Shop, key: string, day = AS_OF): Promise<void> {
  await database.sql(shop.tenantId, async (client) => {
    const order = await client.query<{ id: string }>(
      `insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at, local_date, local_hour)
       values ($1, $2, $3, 'h', 'takeaway', 'momo', 65000, ($4::date + time '12:00') at time zone 'Asia/Ho_Chi_Minh', $4, 12) returning id`,
      [shop.tenantId, shop.locationId, key, day],
    );
    await client.query(`insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd) values ($1, $2, $3, 'Phở bò', 1, 65000, 65000)`, [shop.tenantId, order.rows[0]!.id, shop.items[0]]);
  });
}

/** A refresh through the tenant-scoped transactions the cell uses, counting them. */
async function refresh(shop: Shop) {
  let transactions = 0;
  const sql = <T>(work: (client: pg.PoolClient) => Promise<T>) => (transactions++, database.sql(shop.tenantId, work));
  const result = await refreshLocationRecommendations(sql, ml, shop.tenantId, { id: shop.locationId, timezone: "Asia/Ho_Chi_Minh" }, NOW);
  return { ...result, transactions };
}

const version = (shop: Shop) => database.sql(shop.tenantId, (client) => recommendationsDataVersion(client, shop.locationId, AS_OF));
const storedAdvice = async (shop: Shop) => (await db.admin.query(`select tenant_id, payload->>'mlId' as id, payload->'itemIds' as items from ${db.admin.escapeIdentifier(db.schema)}.recommendations where location_id = $1`, [shop.locationId])).rows;

let hue: Shop;
let hanoi: Shop;

beforeAll(async () => {
  db = await createTestCellDatabase("recs");
  database = createDatabase({ connectionString: db.roleUrl, schema: db.schema, poolSize: 2 });
  [hue, hanoi] = [await seedShop("bun-bo-hue", 0), await seedShop("pho-ha-noi", 1)];
  [grpcPort, httpBase] = [await freePort(), `http://127.0.0.1:${await freePort()}`];
  await startPod();
  ml = createMlClient({ url: `127.0.0.1:${grpcPort}`, deadlineMs: 60_000 });
}, 120_000);

afterAll(async () => {
  ml?.close();
  await stopPod();
  await database?.close();
  await db?.drop();
});

describe("Given a location with eight weeks of sales and the ML pod running", () => {
  it("answers a repeat refresh with unchanged data by version alone, without reading the input", async () => {
    const first = await podCounts(() => refresh(hue));
    // Asked by version (the pod had nothing), then sent the data, which was computed.
    expect(first).toEqual({ hit: 0, miss: 2, ok: 1, sendData: 1 });
    let repeat!: Awaited<ReturnType<typeof refresh>>;
    expect(await podCounts(async () => (repeat = await refresh(hue)))).toEqual({ hit: 1, miss: 0, ok: 1, sendData: 0 });
    // Two transactions: the version, then recording the advice (nothing new); the input was never read.
    expect(repeat).toMatchObject({ source: "ml", added: 0, transactions: 2 });
  }, 120_000);

  it("changes the data version with a sale inside the windows and recomputes the advice", async () => {
    await refresh(hue);
    const before = await version(hue);
    await sell(hue, "late-import-1");
    expect(await version(hue)).not.toBe(before);
    let after!: Awaited<ReturnType<typeof refresh>>;
    // The version is unknown to the pod; the data sent is new content, so it is computed again.
    expect(await podCounts(async () => (after = await refresh(hue)))).toEqual({ hit: 0, miss: 2, ok: 1, sendData: 1 });
    expect(after).toMatchObject({ source: "ml", transactions: 3 });
  }, 120_000);

  it("changes the data version with any change to the menu it sends, and not with today's sales", async () => {
    const s = db.admin.escapeIdentifier(db.schema);
    const seen = new Set([await version(hue)]);
    const changes = [
      `update ${s}.menu_items set price_vnd = price_vnd + 1000 where id = $1`,
      `update ${s}.menu_items set name = name || ' đặc biệt' where id = $1`,
      `update ${s}.menu_items set unit_cost_vnd = 20000 where id = $1`,
      `update ${s}.menu_items set archived_at = now() where id = $1`,
    ];
    for (const change of changes) {
      await db.admin.query(change, [hue.items[3]]);
      seen.add(await version(hue));
    }
    expect(seen.size).toBe(changes.length + 1);
    const settled = await version(hue);
    await sell(hue, "today-1", "2026-03-16");
    expect(await version(hue)).toBe(settled);
  });

  it("sends the data again, transparently, to a restarted pod that no longer holds the version", async () => {
    await refresh(hue);
    await stopPod();
    await startPod();
    let after!: Awaited<ReturnType<typeof refresh>>;
    expect(await podCounts(async () => (after = await refresh(hue)))).toEqual({ hit: 0, miss: 2, ok: 1, sendData: 1 });
    expect(after).toMatchObject({ source: "ml", transactions: 3 });
    expect(after.degradedReason).toBeUndefined();
    expect(ml.breakerState()).toBe("closed");
  }, 120_000);

  it("never answers one tenant with another tenant's advice", async () => {
    await refresh(hue);
    // Another tenant's first refresh is computed from its own data, not served by version.
    expect(await podCounts(() => refresh(hanoi))).toEqual({ hit: 0, miss: 2, ok: 1, sendData: 1 });
    const [hueAdvice, hanoiAdvice] = [await storedAdvice(hue), await storedAdvice(hanoi)];
    expect(hanoiAdvice.length).toBeGreaterThan(0);
    expect(new Set(hanoiAdvice.map((r) => r.tenant_id))).toEqual(new Set([hanoi.tenantId]));
    const hueItems = new Set(hue.items);
    expect(hanoiAdvice.flatMap((r) => r.items as string[]).some((id) => hueItems.has(id))).toBe(false);
    expect(hueAdvice.flatMap((r) => r.items as string[]).every((id) => hueItems.has(id))).toBe(true);
  }, 120_000);
  it("judges margins once food costs are entered, instead of asking for them", async () => {
    const s = db.admin.escapeIdentifier(db.schema);
    const kinds = async () => (await db.admin.query(`select distinct kind from ${s}.recommendations where location_id = $1 and status = 'pending'`, [hanoi.locationId])).rows.map((r) => r.kind as string);
    await refresh(hanoi);
    expect(await kinds()).toContain("menu_missing_costs");
    await db.admin.query(`update ${s}.recommendations set status = 'dismissed' where location_id = $1`, [hanoi.locationId]);
    // Costs from a third to two thirds of each price: margins differ, so items fall in different classes.
    await db.admin.query(`update ${s}.menu_items set unit_cost_vnd = price_vnd * (1 + (abs(hashtext(id::text)) % 3)) / 4 where tenant_id = $1`, [hanoi.tenantId]);
    await refresh(hanoi);
    const after = await kinds();
    expect(after).not.toContain("menu_missing_costs");
    expect(after.filter((k) => ["menu_star", "menu_plowhorse", "menu_puzzle", "menu_dog"].includes(k)).length).toBeGreaterThan(0);
  }, 120_000);

  it("gives a menu larger than the pod takes ML advice on its best sellers, not the rule-based fallback", async () => {
    expect(ML_ITEMS_PER_REQUEST).toBe(LIMITS.itemsPerRequest);
    const big = await seedShop("quan-an-lon", 2);
    const s = db.admin.escapeIdentifier(db.schema);
    // Dishes that never sold, named to sort before the ones that did: order alone would drop those.
    await db.admin.query(
      `insert into ${s}.menu_items (tenant_id, category_id, name, price_vnd)
       select tenant_id, category_id, 'A món ' || lpad(n::text, 4, '0'), 40000 from ${s}.menu_items, generate_series(1, $2) n where id = $1`,
      [big.items[0], ML_ITEMS_PER_REQUEST],
    );
    const input = await database.sql(big.tenantId, (client) => recommendationsInput(client, big.locationId, AS_OF));
    expect(input.items).toHaveLength(ML_ITEMS_PER_REQUEST);
    expect(input.daily.map((d) => d.itemId).sort()).toEqual(input.items.map((i) => i.itemId).sort());
    const sent = new Set(input.items.map((i) => i.itemId));
    const sold = (await db.admin.query(`select distinct menu_item_id as id from ${s}.order_lines where tenant_id = $1`, [big.tenantId])).rows.map((r) => r.id as string);
    expect(sold.length).toBeGreaterThan(1);
    expect(sold.filter((id) => !sent.has(id))).toEqual([]);
    expect(input.basketCounts!.items.every((i) => sent.has(i.itemId))).toBe(true);
    const result = await refresh(big);
    expect(result).toMatchObject({ source: "ml" });
    expect(result.degradedReason).toBeUndefined();
  }, 180_000);
});
