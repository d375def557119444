// WebSocket upgrades (socket.io) through the router to a real cell process: round trips, and
// connection churn — clean and abrupt disconnects — after which socket counts on both the
// router and the cell are back to where they started.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import net from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { freePort } from "../scripts/services/processes.js";
import { createRouter, LocalRouteSource, type Router } from "./index.js";
import { rawExchange, send } from "./testing/client.js";
import { eventually } from "./testing/eventually.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess, TEST_ENGINE } from "./testing/processes.js";

describe("Given socket.io clients connecting to tenants through the router", () => {
  let cell: CellProcess;
  let router: Router;
  let url: string;

  const cellSockets = async () => (await send(cell.endpoint, { host: "cell", path: "/connections" })).json<{ connections: number; sockets: number }>();

  function client(tenant: string): Socket {
    return connect(url, { transports: ["websocket"], extraHeaders: { host: `${tenant}.localhost` }, reconnection: false, forceNew: true });
  }

  function roundTrip(socket: Socket, message: string): Promise<{ cell: string; tenant: string; verified: boolean; message: string }> {
    return new Promise((resolve, reject) => {
      socket.once("connect_error", reject);
      socket.timeout(5_000).emit("echo", message, (err: Error | null, reply: { cell: string; tenant: string; verified: boolean; message: string }) => (err ? reject(err) : resolve(reply)));
    });
  }

  beforeAll(async () => {
    const dead = await freePort();
    cell = await startCell("cell-ws");
    router = createRouter({
      engine: TEST_ENGINE,
      baseDomains: ["localhost"],
      signingKey: TEST_SIGNING_KEY,
      routes: new LocalRouteSource({ pho: { endpoint: cell.endpoint }, bun: { endpoint: cell.endpoint }, gone: { endpoint: `http://127.0.0.1:${dead}` } }),
    });
    url = await router.listen();
  });

  afterAll(async () => {
    await router?.close();
    await cell?.stop();
  });

  it("carries socket.io round trips to the right tenant with a verified tenant header", async () => {
    const pho = client("pho");
    const bun = client("bun");
    try {
      const [a, b] = await Promise.all([roundTrip(pho, "xin chào"), roundTrip(bun, "cảm ơn")]);
      expect(a).toEqual({ cell: "cell-ws", tenant: "pho", verified: true, message: "xin chào" });
      expect(b).toEqual({ cell: "cell-ws", tenant: "bun", verified: true, message: "cảm ơn" });
      expect(router.state.upgraded.size).toBe(2);
    } finally {
      pho.disconnect();
      bun.disconnect();
    }
  });

  it("returns socket counts to baseline on the router and the cell after connection churn", async () => {
    await eventually("quiet start", async () => router.state.upgraded.size === 0);
    const baseline = await cellSockets();
    const routerBaseline = await router.openConnections();
    let vanished = 0;
    for (let round = 0; round < 10; round++) {
      const sockets = Array.from({ length: 20 }, (_, i) => client(i % 2 ? "pho" : "bun"));
      const replies = await Promise.all(sockets.map((s, i) => roundTrip(s, `r${round}-${i}`)));
      expect(replies.map((r) => r.message)).toEqual(sockets.map((_, i) => `r${round}-${i}`));
      expect(replies.every((r, i) => r.tenant === (i % 2 ? "pho" : "bun") && r.verified)).toBe(true);
      sockets.forEach((s, i) => {
        // Half leave politely, half vanish (the connection is reset without a close handshake).
        if (i % 2) s.disconnect();
        else {
          // TCP RST: no FIN for the router's pipe to pass on, so only its own cleanup can free the cell side.
          const raw = (s.io.engine as unknown as { transport: { ws?: { _socket?: { resetAndDestroy(): void } } } }).transport.ws?._socket;
          raw!.resetAndDestroy();
          vanished++;
        }
      });
    }
    await eventually("router tunnels closed", async () => router.state.upgraded.size === 0);
    await eventually("cell sockets back to baseline", async () => {
      const now = await cellSockets();
      return now.connections === baseline.connections && now.sockets === baseline.sockets;
    });
    const cells = [...router.table.cells()];
    expect(cells.map((c) => c.upgradesOpen)).toEqual(cells.map(() => 0));
    expect(vanished).toBe(100);
    await eventually("router connections back to baseline", async () => (await router.openConnections()) === routerBaseline);
  });

  it("refuses an upgrade for an unknown tenant (404) and for an unreachable cell (503) with the router's codes", async () => {
    const handshake = (host: string, waitMs?: number) =>
      rawExchange(
        url,
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        waitMs,
      );
    const unknown = await handshake("nobody.localhost");
    expect(unknown.text).toMatch(/^HTTP\/1\.1 404/);
    // A client that never closes its side must not keep the router's socket open.
    await eventually("earlier connections closed", async () => (await router.openConnections()) === 0, 3_000);
    const lingering = net.connect({ port: Number(new URL(url).port), host: "127.0.0.1", allowHalfOpen: true });
    try {
      let answer = "";
      lingering.on("data", (c: Buffer) => (answer += c.toString()));
      await new Promise((resolve) => lingering.once("connect", resolve));
      lingering.write("GET /ws HTTP/1.1\r\nHost: nobody.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
      await new Promise((resolve) => lingering.once("end", resolve));
      expect(answer).toMatch(/^HTTP\/1\.1 404/);
      await eventually("router side closed", async () => (await router.openConnections()) === 0, 3_000);
    } finally {
      lingering.destroy();
    }
    expect(unknown.text).toContain("ROUTER_ERR_UNKNOWN_TENANT");
    const gone = await handshake("gone.localhost");
    expect(gone.text).toMatch(/^HTTP\/1\.1 503/);
    expect(gone.text).toMatch(/retry-after: 1/i);
    expect(gone.ms).toBeLessThan(50);
    const ok = await handshake("pho.localhost", 500);
    expect(ok.text).toMatch(/^HTTP\/1\.1 101/);
    await eventually("tunnel closed", async () => router.state.upgraded.size === 0);
  });
});
