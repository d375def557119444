// One call wires real-time delivery into a cell API process: socket.io on its HTTP server, the
// GraphQL subscriptions' pub/sub, and the publisher the write paths call after they commit.
import type { Server as HttpServer } from "node:http";
import { Redis } from "ioredis";
import { createRealtimePublisher, type RealtimePublisher } from "./publisher.js";
import { createRealtimePubSub, type RealtimePubSub } from "./pubsub.js";
import { createSocketServer, type RealtimeDeps } from "./socket-server.js";

export interface Realtime {
  publisher: RealtimePublisher;
  pubsub: RealtimePubSub;
  io: ReturnType<typeof createSocketServer>["io"];
  close(): Promise<void>;
}

export type AttachRealtimeDeps = Omit<RealtimeDeps, "redis"> & {
  /** Either connections to use (a publisher and a subscriber) or a URL to open them from. */
  redis?: RealtimeDeps["redis"] | string;
};

/**
 * The socket.io adapter and the GraphQL pub/sub each need a subscriber connection of their own;
 * this opens the extra one (and, given a URL, all of them) and closes what it opened on close().
 */
export function attachRealtime(httpServer: HttpServer, deps: AttachRealtimeDeps): Realtime {
  // Auto-pipelining: a sale's socket.io emit and its two GraphQL publishes are issued in one tick
  // and leave in one socket write (and concurrent sales' publishes share writes too).
  const owned = typeof deps.redis === "string" ? { publisher: new Redis(deps.redis, { enableAutoPipelining: true }), subscriber: new Redis(deps.redis) } : undefined;
  const redis = owned ?? (typeof deps.redis === "object" ? deps.redis : undefined);
  for (const connection of owned ? [owned.publisher, owned.subscriber] : []) {
    // Reconnects are automatic; without a listener an unreachable Redis would crash the process.
    connection.on("error", (error) => deps.log.warn({ err: error }, "Redis connection error (real-time)"));
  }
  const extra = redis ? { publisher: redis.publisher, subscriber: redis.subscriber.duplicate() } : undefined;
  const sockets = createSocketServer(httpServer, { ...deps, redis });
  const pubsub = createRealtimePubSub(extra);
  const publisher = createRealtimePublisher({ db: deps.db, io: sockets.io, pubsub, log: deps.log });
  return {
    publisher,
    pubsub,
    io: sockets.io,
    async close() {
      await sockets.close();
      extra?.subscriber.disconnect();
      // socket.io's adapter publishes a last request while closing, without handling its promise;
      // auto-pipelined, it is still queued. A PING queued behind it answers once it has been
      // sent, so closing afterwards does not reject it as an unhandled "Connection is closed".
      await owned?.publisher.ping().catch(() => {});
      owned?.publisher.disconnect();
      owned?.subscriber.disconnect();
    },
  };
}
