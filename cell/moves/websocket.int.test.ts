// A dashboard's socket.io connection follows its tenant across a move: a client connected through
// a real router to the source cell's API (cell/main.ts) is cut when the route switches (the
// router closes a tenant's tunnels when its endpoint changes), reconnects through the router to
// the target cell with the same token, subscribes again, and receives a sale made after the move.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createRouter, LocalRouteSource, type Router } from "../../router/index.js";
import { send } from "../../router/testing/client.js";
import { TEST_ENGINE } from "../../router/testing/processes.js";
import { spawnCellApi, type CellProcess } from "../realtime/testing/cell-process.js";
import type { DashboardSnapshot } from "../realtime/events.js";
import { connectRealtimeClient, type RealtimeClient } from "../realtime/testing/client.js";
import { createCellFixture, redisUrl, type CellFixture } from "../realtime/testing/fixture.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { MovePhase, moveTenant, readMove } from "./index.js";

const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { orderId totalVnd } }`;

let fx: CellFixture;
let target: TestCellDatabase;
let source: CellProcess;
let destination: CellProcess;
let routes: LocalRouteSource;
let router: Router;
let routerUrl: string;
let mover: pg.Client;
let client: RealtimeClient | undefined;

/** Each cell has its own Redis in production; here a separate Redis database, so an event published in one cell cannot reach the other's sockets. */
function redisDatabase(n: number): string {
  const url = new URL(redisUrl());
  url.pathname = `/${n}`;
  return url.toString();
}

async function spawnWithRedis(fixture: CellFixture, redis: string, file: string): Promise<CellProcess> {
  const shared = process.env.REDIS_URL;
  process.env.REDIS_URL = redis;
  try {
    return await spawnCellApi(fixture, file, { behindRouter: true });
  } finally {
    process.env.REDIS_URL = shared;
  }
}

beforeAll(async () => {
  fx = await createCellFixture("wsmove");
  target = await createTestCellDatabase("wsmovedst");
  const dir = mkdtempSync(join(tmpdir(), "lsp-move-ws-"));
  [source, destination] = await Promise.all([
    spawnWithRedis(fx, redisDatabase(1), join(dir, "source.json")),
    spawnWithRedis({ ...fx, cell: target }, redisDatabase(2), join(dir, "target.json")),
  ]);
  routes = new LocalRouteSource({ [fx.pho.slug]: { endpoint: source.url } });
  router = createRouter({ engine: TEST_ENGINE, baseDomains: ["localhost"], signingKey: fx.signingKey, routes });
  routerUrl = await router.listen();
  mover = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await mover.connect();
}, 90_000);

afterAll(async () => {
  client?.close();
  await router?.close();
  await Promise.all([source?.stop(), destination?.stop()]);
  await mover?.end();
  await Promise.all([fx?.drop(), target?.drop()]);
});

async function createOrderViaRouter(token: string, locationId: string, quantity: number): Promise<{ orderId: string; totalVnd: number }> {
  const input = { locationId, idempotencyKey: `ws-move-${Math.random()}`, channel: "TAKEAWAY", paymentMethod: "CASH", lines: [{ menuItemId: fx.pho.items[0]!.id, quantity }] };
  const res = await send(routerUrl, {
    host: `${fx.pho.slug}.localhost`,
    method: "POST",
    path: "/graphql",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CREATE_ORDER, variables: { input } }),
  });
  const body = res.json<{ data?: { createOrder: { orderId: string; totalVnd: number } }; errors?: unknown }>();
  if (!body.data) throw new Error(`createOrder through the router answered ${res.status}: ${res.body}`);
  return body.data.createOrder;
}

describe("Given a dashboard's socket.io client connected through the router while its tenant moves", () => {
  it("reconnects to the new cell with the same token and receives a sale made after the move", async () => {
    const token = await fx.ownerToken(fx.pho.slug);
    const [hoanKiem] = fx.pho.locations;
    client = connectRealtimeClient({ url: routerUrl, token, headers: { host: `${fx.pho.slug}.localhost` }, locations: [hoanKiem] });
    const disconnects: string[] = [];
    client.socket.on("disconnect", (reason) => disconnects.push(reason));
    const [before] = await client.subscribed;
    expect(before).toMatchObject({ ok: true });

    // A sale before the move reaches the client from the source cell.
    const early = client.next((e) => e.type === "sale");
    const first = await createOrderViaRouter(token, hoanKiem, 2);
    expect(await early).toMatchObject({ orderId: first.orderId });

    const report = await moveTenant(
      mover,
      { moveId: "ws-move", tenantId: fx.pho.tenantId, sourceSchema: fx.cell.schema, targetSchema: target.schema },
      {
        hold: async () => routes.set(fx.pho.slug, { endpoint: source.url, hold: true }),
        // What the operator's status write does: the endpoint changes (the router cuts the tunnels), then the hold ends.
        switchRoute: async () => {
          routes.set(fx.pho.slug, { endpoint: destination.url, hold: true });
          routes.set(fx.pho.slug, { endpoint: destination.url, hold: false });
        },
        release: async () => routes.set(fx.pho.slug, { endpoint: source.url, hold: false }),
      },
    );
    expect(report.move.phase).toBe(MovePhase.Done);
    expect((await readMove(mover, "ws-move")).phase).toBe(MovePhase.Done);

    // Cut once, back on its own with the same auth, subscribed again — now at the target cell.
    const start = Date.now();
    while (!(client.socket.connected && disconnects.length > 0) && Date.now() - start < 15_000) await new Promise((r) => setTimeout(r, 50));
    expect(disconnects).toHaveLength(1);
    expect(client.socket.connected).toBe(true);
    expect(client.socket.auth).toEqual({ token });
    const [after] = await client.subscribed;
    expect(after).toMatchObject({ ok: true });
    // The target cell's dashboard is the source's plus the sale made before the move (moved with the tenant).
    const was = (before as { dashboard: DashboardSnapshot }).dashboard;
    expect((after as { dashboard: DashboardSnapshot }).dashboard).toMatchObject({ locationId: hoanKiem, localDate: was.localDate, revenueVnd: was.revenueVnd + first.totalVnd, orders: was.orders + 1 });
    expect(router.table.get(fx.pho.slug)!.tunnels?.size ?? 0).toBe(1);

    // A sale after the move is made in the target cell (the source no longer has the tenant) and pushed to the reconnected client.
    const late = client.next((e) => e.type === "sale", 10_000);
    const second = await createOrderViaRouter(token, hoanKiem, 1);
    expect(await late).toMatchObject({ type: "sale", orderId: second.orderId, totalVnd: second.totalVnd, locationId: hoanKiem });
    const atTarget = await mover.query(`select 1 from ${target.schema}.orders where id = $1`, [second.orderId]);
    expect(atTarget.rowCount).toBe(1);
    const atSource = await mover.query(`select count(*)::int as n from ${fx.cell.schema}.orders where tenant_id = $1`, [fx.pho.tenantId]);
    expect(atSource.rows[0].n).toBe(0);
  }, 120_000);
});
