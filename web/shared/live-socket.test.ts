// Against a real socket.io server in this process: a handshake refused for a stale token, a
// socket the server ends (as the cell does at token expiry), and a refusal no token cures.
import { afterEach, describe, expect, it } from "@jest/globals";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io, type Socket } from "socket.io-client";
import { reconnectWithFreshToken } from "./live-socket.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server accepting only `accepted()` tokens, refusing the rest with `code` as the cell does; counts handshakes. */
async function server(accepted: (token: unknown) => boolean, code = "UNAUTHENTICATED") {
  const http = createServer();
  const ioServer = new Server(http);
  const seen = { handshakes: 0, connections: 0 };
  ioServer.use((socket, next) => {
    seen.handshakes++;
    next(accepted((socket.handshake.auth as { token?: unknown }).token) ? undefined : Object.assign(new Error("refused"), { data: { code } }));
  });
  ioServer.on("connection", () => seen.connections++);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => ioServer.close(() => r(undefined))));
  return { io: ioServer, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, seen };
}

function client(url: string, token: () => string): Socket {
  const socket = io(url, { transports: ["websocket"], auth: (cb) => cb({ token: token() }), reconnectionDelay: 10 });
  cleanups.push(() => socket.disconnect());
  return socket;
}

const until = async (check: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("reconnectWithFreshToken", () => {
  it("after a refused handshake, refreshes the token and connects", async () => {
    let token = "expired";
    const s = await server((t) => t === "fresh");
    const socket = client(s.url, () => token);
    let refreshes = 0;
    cleanups.push(reconnectWithFreshToken(socket, async () => void (refreshes++, (token = "fresh")), { firstDelayMs: 10 }).stop);
    await until(() => socket.connected);
    expect(refreshes).toBe(1);
    expect(s.seen.handshakes).toBe(2);
  });

  it("comes back with a fresh token when the server ends the socket at token expiry", async () => {
    let token = "first";
    const s = await server(() => true);
    const socket = client(s.url, () => token);
    cleanups.push(reconnectWithFreshToken(socket, async () => void (token = "second"), { firstDelayMs: 10, shortLivedMs: 0 }).stop);
    await until(() => socket.connected);
    for (const each of await s.io.fetchSockets()) each.emit("session-expired", { code: "UNAUTHENTICATED" });
    s.io.disconnectSockets(true);
    await until(() => s.seen.connections === 2 && socket.connected);
    const [again] = await s.io.fetchSockets();
    expect(again?.handshake.auth).toEqual({ token: "second" });
  });

  it("rejoins without refreshing after any other server-side end (restart, slow client), after a random pause", async () => {
    const s = await server(() => true);
    const socket = client(s.url, () => "still-valid");
    let refreshes = 0;
    cleanups.push(reconnectWithFreshToken(socket, async () => void refreshes++, { shortLivedMs: 0, rejoinJitterMs: [100, 150] }).stop);
    await until(() => socket.connected);
    const ended = Date.now();
    s.io.disconnectSockets(true);
    await until(() => s.seen.connections === 2 && socket.connected);
    expect(Date.now() - ended).toBeGreaterThanOrEqual(90);
    expect(refreshes).toBe(0);
  });

  it("connects anyway when a token refresh hangs", async () => {
    let token = "expired";
    const s = await server((t) => t !== "never");
    const socket = client(s.url, () => token);
    token = "never";
    cleanups.push(reconnectWithFreshToken(socket, () => new Promise<void>(() => (token = "fresh")), { firstDelayMs: 10, refreshTimeoutMs: 50 }).stop);
    await until(() => socket.connected);
    expect(s.seen.handshakes).toBe(2);
  });

  it("retries a refusal no token cures with a growing pause and no refresh, and stops when told", async () => {
    const s = await server(() => false, "TENANT_NOT_FOUND");
    const socket = client(s.url, () => "valid");
    let refreshes = 0;
    const reconnect = reconnectWithFreshToken(socket, async () => void refreshes++, { firstDelayMs: 20, maxDelayMs: 80 });
    await new Promise((r) => setTimeout(r, 600));
    // Pauses 20, 40, 80, 80, ... ms: about 8 handshakes in 600 ms, far from a hot loop (~60 at 10 ms).
    expect(s.seen.handshakes).toBeGreaterThanOrEqual(4);
    expect(s.seen.handshakes).toBeLessThanOrEqual(10);
    reconnect.stop();
    const after = s.seen.handshakes;
    await new Promise((r) => setTimeout(r, 300));
    expect(s.seen.handshakes).toBeLessThanOrEqual(after + 1);
    expect(s.seen.connections).toBe(0);
    expect(refreshes).toBe(0);
  });
});
