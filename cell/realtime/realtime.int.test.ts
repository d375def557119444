// Several cell API replicas (separate processes) on one Redis and one database: what one replica
// writes reaches the clients connected to another, and never a client of another tenant.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { connectRealtimeClient, type RealtimeClient } from "./testing/client.js";
import { createCellFixture, enterSale, type CellFixture } from "./testing/fixture.js";
import { spawnReplica, type ReplicaProcess } from "./testing/processes.js";
import type { SaleEvent } from "./events.js";

describe("Given two cell API replicas sharing Redis", () => {
  let fx: CellFixture;
  let one: ReplicaProcess;
  let two: ReplicaProcess;
  const clients: RealtimeClient[] = [];
  const client = (options: Parameters<typeof connectRealtimeClient>[0]) => {
    const c = connectRealtimeClient(options);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    fx = await createCellFixture("rt");
    [one, two] = await Promise.all([spawnReplica(fx.replicaConfig()), spawnReplica(fx.replicaConfig())]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([one?.stop(), two?.stop()]);
    await fx?.drop();
  });

  it("delivers an order written through one replica to an owner connected to the other, with today's figures", async () => {
    const [hoanKiem] = fx.pho.locations;
    const owner = client({ url: two.url, token: await fx.ownerToken(fx.pho.slug), headers: fx.headers(fx.pho.slug), locations: [hoanKiem] });
    const [reply] = await owner.subscribed;
    expect(reply).toMatchObject({ ok: true, dashboard: { locationId: hoanKiem } });
    const before = reply!.ok ? reply!.dashboard!.revenueVnd : NaN;

    const arrival = owner.next((e) => e.type === "sale");
    const sale = await enterSale(one.url, fx, fx.pho.slug, { locationId: hoanKiem, lines: [{ menuItemId: fx.pho.items[0]!.id, quantity: 2 }] });
    const event = (await arrival) as SaleEvent;
    expect(event).toMatchObject({ type: "sale", orderId: sale.orderId, locationId: hoanKiem, totalVnd: 110_000, tenantId: fx.pho.tenantId });
    expect(event.dashboard.revenueVnd).toBe(before + 110_000);
  });

  it("delivers sales to a client that wrote the location id in capitals", async () => {
    const [hoanKiem] = fx.pho.locations;
    const owner = client({ url: one.url, token: await fx.ownerToken(fx.pho.slug), headers: fx.headers(fx.pho.slug), locations: [hoanKiem!.toUpperCase()] });
    expect((await owner.subscribed)[0]).toMatchObject({ ok: true, dashboard: { locationId: hoanKiem } });
    const arrival = owner.next((e) => e.type === "sale");
    const sale = await enterSale(two.url, fx, fx.pho.slug, { locationId: hoanKiem!, lines: [{ menuItemId: fx.pho.items[0]!.id, quantity: 1 }] });
    expect(await arrival).toMatchObject({ orderId: sale.orderId, locationId: hoanKiem });
  });

  it("never delivers one tenant's sale to another tenant's client, and refuses its location", async () => {
    const [hoanKiem] = fx.pho.locations;
    const other = client({ url: one.url, token: await fx.ownerToken(fx.bun.slug), headers: fx.headers(fx.bun.slug), locations: [fx.bun.location, hoanKiem] });
    const [own, foreign] = await other.subscribed;
    expect(own).toMatchObject({ ok: true });
    // Another tenant's location is invisible (row-level security): as if it did not exist.
    expect(foreign).toMatchObject({ ok: false, code: "NOT_FOUND" });

    const witness = client({ url: one.url, token: await fx.ownerToken(fx.pho.slug), headers: fx.headers(fx.pho.slug), locations: [hoanKiem] });
    await witness.subscribed;
    const seen = witness.next((e) => e.type === "sale");
    const sale = await enterSale(two.url, fx, fx.pho.slug, { locationId: hoanKiem, lines: [{ menuItemId: fx.pho.items[1]!.id, quantity: 1 }] });
    await seen;
    // The witness on the same replica got it; give the other client the same time and more.
    await new Promise((r) => setTimeout(r, 300));
    expect(other.sales.map((s) => s.orderId)).not.toContain(sale.orderId);
    expect(other.sales.every((s) => s.tenantId === fx.bun.tenantId)).toBe(true);
  });

  it("refuses a token of one tenant presented with another tenant's header", async () => {
    const intruder = client({ url: one.url, token: await fx.ownerToken(fx.bun.slug), headers: fx.headers(fx.pho.slug), locations: [] });
    const error = await new Promise<Error & { data?: { code?: string } }>((resolve) => intruder.socket.once("connect_error", resolve));
    expect(error.data?.code).toBe("FORBIDDEN");
  });

  it("refuses an unsigned tenant header", async () => {
    const forged = client({ url: one.url, token: await fx.ownerToken(fx.pho.slug), headers: { "x-lsp-tenant": fx.pho.slug }, locations: [] });
    const error = await new Promise<Error & { data?: { code?: string } }>((resolve) => forged.socket.once("connect_error", resolve));
    expect(error.data?.code).toBe("TENANT_HEADER_INVALID");
  });

  it("keeps staff scoped to their locations, and never sends them the location's figures", async () => {
    const [hoanKiem, baDinh] = fx.pho.locations;
    const token = await fx.issuer.token("staff-1", [{ tenant: fx.pho.slug, role: "staff", locations: [hoanKiem] }]);
    const staff = client({ url: two.url, token, headers: fx.headers(fx.pho.slug), locations: [hoanKiem, baDinh] });
    const owner = client({ url: one.url, token: await fx.ownerToken(fx.pho.slug), headers: fx.headers(fx.pho.slug), locations: [hoanKiem] });
    const [allowed, denied] = await staff.subscribed;
    expect(allowed).toMatchObject({ ok: true });
    expect(allowed).not.toHaveProperty("dashboard");
    expect(denied).toMatchObject({ ok: false, code: "FORBIDDEN" });
    await owner.subscribed;

    const sale = await enterSale(one.url, fx, fx.pho.slug, { locationId: baDinh, lines: [{ menuItemId: fx.pho.items[2]!.id, quantity: 3 }] });
    const own = staff.next((e) => e.type === "sale");
    const owners = owner.next((e) => e.type === "sale");
    const sold = await enterSale(one.url, fx, fx.pho.slug, { locationId: hoanKiem, lines: [{ menuItemId: fx.pho.items[2]!.id, quantity: 1 }] });
    const [toStaff, toOwner] = (await Promise.all([own, owners])) as SaleEvent[];
    expect(staff.sales.map((s) => s.orderId)).not.toContain(sale.orderId);
    // The same sale: the owner gets today's figures with it, the staff member (same room, other replica) does not.
    expect(toStaff).toMatchObject({ type: "sale", orderId: sold.orderId, locationId: hoanKiem });
    expect(toStaff).not.toHaveProperty("dashboard");
    expect(toOwner).toMatchObject({ type: "sale", orderId: sold.orderId, dashboard: { locationId: hoanKiem } });
  });

  it("sends staff no sale dated further back than they may look (48 h), while owners get it", async () => {
    const [hoanKiem] = fx.pho.locations;
    const staff = client({ url: two.url, token: await fx.issuer.token("staff-2", [{ tenant: fx.pho.slug, role: "staff", locations: [hoanKiem] }]), headers: fx.headers(fx.pho.slug), locations: [hoanKiem] });
    const owner = client({ url: one.url, token: await fx.ownerToken(fx.pho.slug), headers: fx.headers(fx.pho.slug), locations: [hoanKiem] });
    await Promise.all([staff.subscribed, owner.subscribed]);
    const line = [{ menuItemId: fx.pho.items[1]!.id, quantity: 1 }];
    const ownerGetsOld = owner.next((e) => e.type === "sale");
    const old = await enterSale(one.url, fx, fx.pho.slug, { locationId: hoanKiem, lines: line, orderedAt: new Date(Date.now() - 72 * 3_600_000).toISOString() });
    expect(await ownerGetsOld).toMatchObject({ orderId: old.orderId });
    // A sale of now, entered after it, reaches staff: had the old one been sent, it would have come first.
    const staffGetsNext = staff.next((e) => e.type === "sale");
    const now = await enterSale(one.url, fx, fx.pho.slug, { locationId: hoanKiem, lines: line });
    expect(await staffGetsNext).toMatchObject({ orderId: now.orderId });
    expect(staff.sales.map((s) => s.orderId)).not.toContain(old.orderId);
  });

  it("resubscribes after a dropped connection and receives the next sale", async () => {
    const [, baDinh] = fx.pho.locations;
    const owner = client({ url: two.url, token: await fx.ownerToken(fx.pho.slug), headers: fx.headers(fx.pho.slug), locations: [baDinh] });
    await owner.subscribed;
    // The client helper's own "connect" listener runs first and starts the new subscriptions.
    const reconnected = new Promise<void>((resolve) => owner.socket.once("connect", () => resolve()));
    // Drop the transport under the client, as a network blip or a replica restart would.
    owner.socket.io.engine.close();
    await reconnected;
    await owner.subscribed;
    const arrival = owner.next((e) => e.type === "sale");
    const sale = await enterSale(one.url, fx, fx.pho.slug, { locationId: baDinh, lines: [{ menuItemId: fx.pho.items[0]!.id, quantity: 1 }] });
    expect(await arrival).toMatchObject({ orderId: sale.orderId });
  });
});
