// The raw engine's server: a node:net server whose connections are ClientConnections, plus
// one sweep timer that enforces every time limit (slow heads, slow requests, idle keep-alive,
// slow cells, idle pooled sockets) from timestamps, so the request path arms no timers.
import net from "node:net";
import type { RouterState } from "../state.js";
import { ClientConnection } from "./connection.js";

export interface RawServer {
  server: net.Server;
  /** Closes connections with no request in progress. */
  closeIdle(): void;
  /** Closes every connection the engine still owns. */
  closeAll(): void;
}

export function createRawServer(state: RouterState): RawServer {
  const connections = new Set<ClientConnection>();
  // Paused on connect so the connection can point the socket at the shared read buffer first.
  const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
    new ClientConnection(state, socket, connections);
  });
  const limits = state.limits;
  const every = Math.min(1_000, Math.max(50, Math.floor(Math.min(limits.headersTimeoutMs, limits.upstreamTimeoutMs) / 4)));
  const sweep = setInterval(sweepOnce, every, state, connections);
  sweep.unref();
  server.once("close", () => clearInterval(sweep));
  return {
    server,
    closeIdle() {
      for (const c of [...connections]) if (c.exchange === undefined) c.destroy();
    },
    closeAll() {
      for (const c of [...connections]) c.destroy();
    },
  };
}

function sweepOnce(state: RouterState, connections: Set<ClientConnection>): void {
  const now = performance.now();
  const limits = state.limits;
  for (const c of connections) {
    const exchange = c.exchange;
    const unread = c.drainSince !== 0 && now - c.drainSince > limits.clientSendTimeoutMs;
    if (exchange === undefined) {
      if (unread) c.destroy();
      else if (c.headSince !== 0 && now - c.headSince > limits.headersTimeoutMs) c.answer("ROUTER_ERR_REQUEST_TIMEOUT", state.ids.next(), true);
      else if (c.idleSince !== 0 && now - c.idleSince > limits.keepAliveTimeoutMs) c.destroy();
      continue;
    }
    if (exchange.response === undefined) {
      if (!exchange.requestDone && now - exchange.started > limits.requestTimeoutMs) exchange.failRequest("ROUTER_ERR_REQUEST_TIMEOUT");
      else if (exchange.requestDone && exchange.sentAt !== 0 && now - exchange.sentAt > limits.upstreamTimeoutMs) exchange.failAfterDispatch("ROUTER_ERR_UPSTREAM_TIMEOUT");
    } else if (c.drainFor !== undefined) {
      // The client stopped reading: its response holds a cell connection other tenants need.
      if (unread) exchange.cut("the client stopped reading the response");
    } else if (now - exchange.heardAt > limits.upstreamBodyTimeoutMs) {
      exchange.cut("the cell stopped sending its response");
    }
  }
  for (const cell of state.table.cells()) cell.raw?.prune(now);
}
