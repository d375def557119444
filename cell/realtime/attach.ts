// One call wires real-time delivery into a cell API process: socket.io on its HTTP server, the
// GraphQL subscriptions' pub/sub, and the publisher the write paths call after they commit.
import type { Server as HttpServer } from "node:http";
import { createRealtimePublisher, type RealtimePublisher } from "./publisher.js";
import { createRealtimePubSub, type RealtimePubSub } from "./pubsub.js";
import { createSocketServer, type RealtimeDeps } from "./socket-server.js";

export interface Realtime {
  publisher: RealtimePublisher;
  pubsub: RealtimePubSub;
  io: ReturnType<typeof createSocketServer>["io"];
  close(): Promise<void>;
}

/**
 * `deps.redis` needs two connections per use (adapter and pub/sub each subscribe); pass
 * `duplicate` so this module opens the extra ones it needs and closes them on close().
 */
export function attachRealtime(httpServer: HttpServer, deps: RealtimeDeps): Realtime {
  const extra = deps.redis ? { publisher: deps.redis.publisher, subscriber: deps.redis.subscriber.duplicate() } : undefined;
  const sockets = createSocketServer(httpServer, deps);
  const pubsub = createRealtimePubSub(extra);
  const publisher = createRealtimePublisher({ db: deps.db, io: sockets.io, pubsub, log: deps.log });
  return {
    publisher,
    pubsub,
    io: sockets.io,
    async close() {
      await sockets.close();
      extra?.subscriber.disconnect();
    },
  };
}
