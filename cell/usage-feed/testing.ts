// Test support (not part of the public entry): a provisioned cell database with tenants, a menu,
// an order writer shaped like the cell's own (order, lines and order.created outbox row in one
// transaction, the aggregates maintained by the schema's triggers), and the usage feed served
// over real HTTP on a port that survives stop/start, so tests can take the cell down.
// TEST_PLATFORM_KEY plays the platform's master key: by default the feed accepts the cell's key
// derived from it for the cell's base URL, as the operator configures cells, so the control
// plane's client given TEST_PLATFORM_KEY reads it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deriveCellKey } from "../../common/cell-keys.js";
import { createDatabase, type Database } from "../db/index.js";
import { provisionTenant } from "../provisioning/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { createUsageFeedHandler, type UsageFeedHandler } from "./handler.js";

/** The platform's master key in tests (the billing sync's PLATFORM_KEY). */
export const TEST_PLATFORM_KEY = "test-platform-key-0123456789";

/** The key a test cell served at `baseUrl` is given by default: derived from TEST_PLATFORM_KEY. */
export function testCellPlatformKey(baseUrl: string): string {
  return deriveCellKey(TEST_PLATFORM_KEY, "platform", baseUrl);
}

export interface TestCellOptions {
  /** The key the cell's feed accepts, given its base URL; default testCellPlatformKey. */
  platformKey?: (baseUrl: string) => string;
  /** A previous key the feed accepts as well (a key rotation), given its base URL; default none. */
  platformKeyPrevious?: (baseUrl: string) => string;
}

export interface TestTenant {
  slug: string;
  id: string;
  locations: { id: string; name: string }[];
  items: { id: string; name: string; priceVnd: number }[];
}

export interface OrderInput {
  locationId: string;
  orderedAt: Date;
  lines: { itemId: string; quantity: number }[];
}

export interface TestCell {
  name: string;
  db: Database;
  cellDb: TestCellDatabase;
  baseUrl: string;
  /** The key the cell's feed accepts (its PLATFORM_KEY). */
  platformKey: string;
  addTenant(slug: string, locationNames: string[], items?: { name: string; priceVnd: number }[]): Promise<TestTenant>;
  placeOrder(tenant: TestTenant, order: OrderInput): Promise<{ orderId: string; totalVnd: number }>;
  /** Takes the feed offline (connections refused) until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_ITEMS = [
  { name: "Phở bò tái", priceVnd: 65_000 },
  { name: "Bún chả Hà Nội", priceVnd: 55_000 },
  { name: "Cà phê sữa đá", priceVnd: 29_000 },
];

export async function startTestCell(prefix: string, options: TestCellOptions = {}): Promise<TestCell> {
  const cellDb = await createTestCellDatabase(prefix);
  const db = createDatabase({ connectionString: cellDb.roleUrl, schema: cellDb.schema, poolSize: 4 });
  // The keys depend on the base URL, known once the first start has picked the port.
  const feed: { handler?: UsageFeedHandler } = {};
  let server: Server | undefined;
  let port = 0;

  async function start(): Promise<void> {
    server = createServer((req, res) => {
      if (!feed.handler) return void res.writeHead(503).end();
      feed.handler(req, res).then(
        (handled) => {
          if (!handled) res.writeHead(404).end();
        },
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const platformKey = (options.platformKey ?? testCellPlatformKey)(baseUrl);
  feed.handler = createUsageFeedHandler({ db, platformKey, platformKeyPrevious: options.platformKeyPrevious?.(baseUrl), settleMs: 0 });
  return {
    name: cellDb.cellName,
    db,
    cellDb,
    baseUrl,
    platformKey,
    async addTenant(slug, locationNames, items = DEFAULT_ITEMS) {
      const { tenantId } = await provisionTenant(cellDb.admin, cellDb.cellName, {
        slug,
        displayName: `Quán ${slug}`,
        plan: "growth",
        owner: { phone: "+84901234567", name: "Chủ quán" },
        locations: locationNames.map((name) => ({ name })),
      });
      return db.sql(tenantId, async (client) => {
        const locations = (await client.query<{ id: string; name: string }>("select id, name from locations order by name")).rows;
        const category = (await client.query<{ id: string }>("insert into menu_categories (tenant_id, name) values ($1, 'Món chính') returning id", [tenantId])).rows[0]!;
        const created = [];
        for (const item of items) {
          const { rows } = await client.query<{ id: string }>("insert into menu_items (tenant_id, category_id, name, price_vnd) values ($1, $2, $3, $4) returning id", [tenantId, category.id, item.name, item.priceVnd]);
          created.push({ id: rows[0]!.id, ...item });
        }
        return { slug, id: tenantId, locations, items: created };
      });
    },
    async placeOrder(tenant, order) {
      const lines = order.lines.map((l) => {
        const item = tenant.items.find((i) => i.id === l.itemId);
        if (!item) throw new Error(`unknown item ${l.itemId}`);
        return { ...l, item, total: item.priceVnd * l.quantity };
      });
      const totalVnd = lines.reduce((sum, l) => sum + l.total, 0);
      const orderId = await db.sql(tenant.id, async (client) => {
        const { rows } = await client.query<{ id: string }>(
          `insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at, local_date, local_hour)
           values ($1, $2, gen_random_uuid()::text, 'test', 'dine_in', 'cash', $3, $4, '1970-01-01', 0) returning id`,
          [tenant.id, order.locationId, totalVnd, order.orderedAt],
        );
        const id = rows[0]!.id;
        await client.query(
          `insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
           select $1, $2, * from unnest($3::uuid[], $4::text[], $5::int[], $6::int[], $7::bigint[])`,
          [tenant.id, id, lines.map((l) => l.itemId), lines.map((l) => l.item.name), lines.map((l) => l.quantity), lines.map((l) => l.item.priceVnd), lines.map((l) => l.total)],
        );
        await client.query(`insert into outbox (tenant_id, topic, key, payload) values ($1, 'order.created', $2, $3)`, [tenant.id, id, JSON.stringify({ orderId: id, totalVnd })]);
        return id;
      });
      return { orderId, totalVnd };
    },
    stop,
    start,
    async close() {
      await stop();
      await db.close();
      await cellDb.drop();
    },
  };
}
