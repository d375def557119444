// A client that stops reading must not hold back anyone else: the others keep receiving at full
// speed, and the server cuts the slow one loose once its backlog passes the limit.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Socket as NetSocket } from "node:net";
import { connectRealtimeClient, type RealtimeClient } from "./testing/client.js";
import { createCellFixture, type CellFixture } from "./testing/fixture.js";
import { startReplica, type Replica } from "./testing/replica.js";
import { locationRoom } from "./events.js";

describe("Given a replica with one client that stopped reading", () => {
  let fx: CellFixture;
  let replica: Replica;
  let fast: RealtimeClient;
  let slow: RealtimeClient;

  beforeAll(async () => {
    fx = await createCellFixture("slow");
    replica = await startReplica(fx.replicaConfig({ maxBufferedPackets: 200 }));
    const token = await fx.ownerToken(fx.pho.slug);
    const options = { url: replica.url, token, headers: fx.headers(fx.pho.slug), locations: [fx.pho.locations[0]] };
    fast = connectRealtimeClient(options);
    slow = connectRealtimeClient({ ...options });
    await Promise.all([fast.subscribed, slow.subscribed]);
  });
  afterAll(async () => {
    fast?.close();
    slow?.close();
    await replica?.close();
    await fx?.drop();
  });

  it("keeps delivering to the others and disconnects the slow one", async () => {
    slow.socket.io.opts.reconnection = false;
    // Stop reading at the TCP level: the kernel buffers fill, then the server's send buffer grows.
    const engine = slow.socket.io.engine as unknown as { transport: { ws: { _socket: NetSocket } } };
    engine.transport.ws._socket.pause();
    const slowGone = new Promise<string>((resolve) => slow.socket.once("disconnect", (reason) => resolve(reason)));

    const room = locationRoom(fx.pho.tenantId, fx.pho.locations[0]);
    const filler = "x".repeat(4_096);
    let received = 0;
    fast.socket.on("filler", () => received++);
    const total = 3_000;
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      replica.realtime.io.to(room).emit("filler", { i, filler });
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    while (received < total && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
    expect(received).toBe(total);

    // The server notices within a sweep or two; the client only learns once it reads again.
    const deadline = Date.now() + 5_000;
    while (replica.realtime.io.of("/").sockets.size > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(replica.realtime.io.of("/").sockets.size).toBe(1);
    engine.transport.ws._socket.resume();
    expect(await slowGone).toMatch(/disconnect|transport/);
  }, 30_000);
});
