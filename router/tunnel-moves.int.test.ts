// WebSocket tunnels follow their tenant: when a tenant's cell changes (a move) or the tenant is
// removed, the router closes that tenant's tunnels so socket.io clients reconnect through the
// router to wherever the tenant is now. Other tenants' tunnels, and updates that are not a move
// (hold on/off, the same endpoint again), leave tunnels alone.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import { io as connect, type Socket } from "socket.io-client";
import { createRouter, LocalRouteSource, type Router } from "./index.js";
import { eventually } from "./testing/eventually.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess, TEST_ENGINE } from "./testing/processes.js";

interface Reply {
  cell: string;
  tenant: string;
  verified: boolean;
}


describe("Given socket.io clients of two tenants connected through the router to one cell", () => {
  let cellA: CellProcess;
  let cellB: CellProcess;
  let routes: LocalRouteSource;
  let router: Router;
  let url: string;
  const clients: Socket[] = [];

  function client(tenant: string): { socket: Socket; disconnects: string[] } {
    const socket = connect(url, { transports: ["websocket"], extraHeaders: { host: `${tenant}.localhost` }, forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    clients.push(socket);
    const disconnects: string[] = [];
    socket.on("disconnect", (reason) => disconnects.push(reason));
    return { socket, disconnects };
  }

  async function echo(socket: Socket): Promise<Reply> {
    if (!socket.connected) await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    return (await socket.timeout(5_000).emitWithAck("echo", "ping")) as Reply;
  }

  beforeAll(async () => {
    [cellA, cellB] = await Promise.all([startCell("cell-a"), startCell("cell-b")]);
    routes = new LocalRouteSource({ pho: { endpoint: cellA.endpoint }, bun: { endpoint: cellA.endpoint } });
    router = createRouter({ engine: TEST_ENGINE, baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes });
    url = await router.listen();
  });

  afterAll(async () => {
    for (const socket of clients) socket.disconnect();
    await router?.close();
    await Promise.all([cellA?.stop(), cellB?.stop()]);
  });

  it("keeps tunnels open over a hold on/off and a same-endpoint update, then moves only the moved tenant's clients to its new cell", async () => {
    const pho = client("pho");
    const bun = client("bun");
    expect(await echo(pho.socket)).toMatchObject({ cell: "cell-a", tenant: "pho", verified: true });
    expect(await echo(bun.socket)).toMatchObject({ cell: "cell-a", tenant: "bun", verified: true });

    routes.set("pho", { endpoint: cellA.endpoint, hold: true });
    routes.set("pho", { endpoint: cellA.endpoint, hold: false });
    routes.set("pho", { endpoint: cellA.endpoint });
    routes.set("bun", { endpoint: cellA.endpoint });
    await sleep(300);
    expect([pho.disconnects, bun.disconnects]).toEqual([[], []]);
    expect(router.state.upgraded.size).toBe(2);
    expect(await echo(pho.socket)).toMatchObject({ cell: "cell-a", tenant: "pho" });

    // The move: hold, switch the endpoint, release (what the operator does).
    routes.set("pho", { endpoint: cellA.endpoint, hold: true });
    routes.set("pho", { endpoint: cellB.endpoint, hold: true });
    await eventually("pho's client to notice the closed tunnel", () => pho.disconnects.length === 1);
    routes.set("pho", { endpoint: cellB.endpoint, hold: false });
    expect(await echo(pho.socket)).toMatchObject({ cell: "cell-b", tenant: "pho", verified: true });
    expect(bun.disconnects).toEqual([]);
    expect(await echo(bun.socket)).toMatchObject({ cell: "cell-a", tenant: "bun", verified: true });
    const cells = Object.fromEntries([...router.table.cells()].map((c) => [c.origin, c.upgradesOpen]));
    expect(cells).toEqual({ [cellA.endpoint]: 1, [cellB.endpoint]: 1 });
  });

  it("closes a tenant's tunnels when the tenant is removed or suspended, and no one else's", async () => {
    routes.set("com", { endpoint: cellA.endpoint });
    routes.set("che", { endpoint: cellB.endpoint });
    const com = client("com");
    const che = client("che");
    const bun = client("bun");
    await Promise.all([echo(com.socket), echo(che.socket), echo(bun.socket)]);
    com.socket.io.reconnection(false);
    che.socket.io.reconnection(false);

    routes.delete("com");
    await eventually("com's client to be cut", () => com.disconnects.length === 1);
    routes.set("che", { endpoint: cellB.endpoint, suspended: true });
    await eventually("che's client to be cut", () => che.disconnects.length === 1);
    await sleep(200);
    expect(bun.disconnects).toEqual([]);
    expect(await echo(bun.socket)).toMatchObject({ cell: "cell-a", tenant: "bun" });
    expect(router.table.get("com")).toBeUndefined();
    expect(router.table.get("che")!.tunnels?.size ?? 0).toBe(0);
  });
});
