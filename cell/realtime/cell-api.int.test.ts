// The real cell API (cell/main.ts) as two processes on one Redis and one database: createOrder
// through one reaches socket.io clients and GraphQL subscribers of the other; payment webhooks
// are mounted and pushed; another tenant's subscribers never see any of it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PAYMENT_WEBHOOK_PATHS } from "../payments/index.js";
import { FakeMomo } from "../payments/testing/providers.js";
import { connectRealtimeClient, type RealtimeClient } from "./testing/client.js";
import { spawnCellApi, subscribeSse, type CellProcess } from "./testing/cell-process.js";
import { createCellFixture, MOMO, type CellFixture } from "./testing/fixture.js";

const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { orderId totalVnd } }`;
const DASHBOARD_UPDATES = `subscription($locationId: ID!) { dashboardUpdates(locationId: $locationId) { locationId revenue orders paid { method amount } } }`;
const ORDER_CREATED = `subscription { orderCreated { orderId locationId total channel } }`;

describe("Given two cell API processes (cell/main.ts) sharing Redis", () => {
  let fx: CellFixture;
  let a: CellProcess;
  let b: CellProcess;
  const closers: (() => void)[] = [];

  beforeAll(async () => {
    fx = await createCellFixture("api");
    const dir = mkdtempSync(join(tmpdir(), "lsp-cell-api-"));
    [a, b] = await Promise.all([spawnCellApi(fx, join(dir, "a.json")), spawnCellApi(fx, join(dir, "b.json"))]);
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) close();
    await Promise.all([a?.stop(), b?.stop()]);
    await fx?.drop();
  });

  async function asOwner(slug: string) {
    return { authorization: `Bearer ${await fx.ownerToken(slug)}`, ...fx.headers(slug) };
  }
  async function createOrder(url: string, locationId: string, quantity: number, paymentMethod = "CASH", orderedAt?: string) {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await asOwner(fx.pho.slug)) },
      body: JSON.stringify({
        query: CREATE_ORDER,
        variables: { input: { locationId, idempotencyKey: `k-${Math.random()}`, channel: "TAKEAWAY", paymentMethod, orderedAt, lines: [{ menuItemId: fx.pho.items[0]!.id, quantity }] } },
      }),
    });
    const body = (await res.json()) as { data?: { createOrder: { orderId: string; totalVnd: number } }; errors?: unknown };
    if (!body.data) throw new Error(`createOrder failed: ${JSON.stringify(body.errors)}`);
    return body.data.createOrder;
  }
  function socketClient(url: string, slug: string, token: string, locations: string[]): RealtimeClient {
    const c = connectRealtimeClient({ url, token, headers: fx.headers(slug), locations });
    closers.push(() => c.close());
    return c;
  }

  it("pushes createOrder on one process to a socket client and a GraphQL subscriber on the other", async () => {
    const [hoanKiem] = fx.pho.locations;
    const socket = socketClient(b.url, fx.pho.slug, await fx.ownerToken(fx.pho.slug), [hoanKiem]);
    await socket.subscribed;
    const sse = await subscribeSse(b.url, await asOwner(fx.pho.slug), DASHBOARD_UPDATES, { locationId: hoanKiem });
    closers.push(sse.close);
    expect(sse.status).toBe(200);
    // The Redis SUBSCRIBE behind a subscription completes shortly after the response starts.
    await new Promise((r) => setTimeout(r, 1_000));

    const pushed = socket.next((e) => e.type === "sale");
    const order = await createOrder(a.url, hoanKiem, 3);
    expect(await pushed).toMatchObject({ type: "sale", orderId: order.orderId, totalVnd: 165_000, channel: "takeaway" });
    const update = (await sse.next()) as { data: { dashboardUpdates: { locationId: string; revenue: number; orders: number } } };
    expect(update.data.dashboardUpdates).toMatchObject({ locationId: hoanKiem, revenue: 165_000, orders: 1 });
  });

  it("delivers orderCreated only to the tenant's own subscribers", async () => {
    const mine = await subscribeSse(b.url, await asOwner(fx.pho.slug), ORDER_CREATED, {});
    const theirs = await subscribeSse(b.url, await asOwner(fx.bun.slug), ORDER_CREATED, {});
    closers.push(mine.close, theirs.close);
    await new Promise((r) => setTimeout(r, 1_000));
    const order = await createOrder(a.url, fx.pho.locations[1], 1);
    expect(await mine.next()).toMatchObject({ data: { orderCreated: { orderId: order.orderId, locationId: fx.pho.locations[1], total: 55_000 } } });
    await new Promise((r) => setTimeout(r, 300));
    expect(theirs.events).toEqual([]);
  });

  it("gives staff the sales of their location over GraphQL, without the figures, and no dashboard subscription", async () => {
    const [hoanKiem] = fx.pho.locations;
    const token = await fx.issuer.token("staff-sse", [{ tenant: fx.pho.slug, role: "staff", locations: [hoanKiem] }]);
    const asStaff = { authorization: `Bearer ${token}`, ...fx.headers(fx.pho.slug) };
    const figures = await subscribeSse(b.url, asStaff, DASHBOARD_UPDATES, { locationId: hoanKiem });
    closers.push(figures.close);
    expect(await figures.next()).toMatchObject({ errors: [{ extensions: { code: "FORBIDDEN" } }] });
    const sales = await subscribeSse(b.url, asStaff, `subscription { orderCreated { orderId dashboard { revenue } } }`, {});
    closers.push(sales.close);
    await new Promise((r) => setTimeout(r, 1_000));
    // A sale a manager dates three days back is not staff's to see; the next one of now is.
    await createOrder(a.url, hoanKiem, 1, "CASH", new Date(Date.now() - 72 * 3_600_000).toISOString());
    const order = await createOrder(a.url, hoanKiem, 1);
    expect(await sales.next()).toMatchObject({ data: { orderCreated: { orderId: order.orderId, dashboard: null } } });
  });

  it("ends a socket and a GraphQL subscription when their access token lapses, saying why", async () => {
    const [hoanKiem] = fx.pho.locations;
    // exp has whole seconds: this token lapses 2-3 s from now.
    const token = await fx.issuer.token("owner-short", [{ tenant: fx.pho.slug, role: "owner", locations: "*" }], "3s");
    const socket = socketClient(b.url, fx.pho.slug, token, [hoanKiem]);
    const expired = new Promise((resolve) => socket.socket.once("session-expired", resolve));
    const ended = new Promise((resolve) => socket.socket.once("disconnect", resolve));
    expect(await socket.subscribed).toMatchObject([{ ok: true }]);
    const sse = await subscribeSse(b.url, { authorization: `Bearer ${token}`, ...fx.headers(fx.pho.slug) }, ORDER_CREATED, {});
    closers.push(sse.close);
    expect(sse.status).toBe(200);

    expect(await expired).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await ended).toBe("io server disconnect");
    expect(await sse.next(5_000)).toMatchObject({ errors: [{ message: expect.stringContaining("access token expired"), extensions: { code: "UNAUTHENTICATED" } }] });
    // Nothing more reaches either after expiry.
    await createOrder(a.url, hoanKiem, 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(sse.events).toHaveLength(1);
    expect(socket.sales).toHaveLength(0);
  }, 20_000);

  it("refuses a dashboard subscription to another tenant's location", async () => {
    const sse = await subscribeSse(b.url, await asOwner(fx.bun.slug), DASHBOARD_UPDATES, { locationId: fx.pho.locations[0] });
    closers.push(sse.close);
    expect(await sse.next()).toMatchObject({ errors: [{ extensions: { code: "NOT_FOUND" } }] });
  });

  it("serves the MoMo IPN and pushes the payment to the other process's clients", async () => {
    const [hoanKiem] = fx.pho.locations;
    const socket = socketClient(b.url, fx.pho.slug, await fx.ownerToken(fx.pho.slug), [hoanKiem]);
    await socket.subscribed;
    const order = await createOrder(a.url, hoanKiem, 1, "MOMO");
    const momo = new FakeMomo(MOMO);
    const ipn = momo.ipn(order.orderId, 55_000);
    const pushed = socket.next((e) => e.type === "payment" && e.orderId === order.orderId);
    const res = await momo.deliver(ipn, { url: `${a.url}${PAYMENT_WEBHOOK_PATHS.momo}`, headers: fx.headers(fx.pho.slug) });
    expect(res.status).toBe(204);
    expect(await pushed).toMatchObject({ method: "momo", amountVnd: 55_000, providerRef: ipn.transId });
    expect((await momo.deliver(ipn, { url: `${b.url}${PAYMENT_WEBHOOK_PATHS.momo}`, headers: fx.headers(fx.pho.slug) })).status).toBe(204);
  });
});
