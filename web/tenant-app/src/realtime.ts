// Live figures over the cell's socket.io (JWT in the handshake, one room per location): each sale
// pushes the location's new totals, so the dashboard need not poll.
import { io, type Socket } from "socket.io-client";
import { reconnectWithFreshToken } from "../../shared/live-socket.js";
import { loadSession, refreshSession } from "../../shared/session.js";

export interface LiveTotals {
  locationId: string;
  localDate: string;
  revenueVnd: number;
  orders: number;
}

export interface LiveHandlers {
  onTotals(totals: LiveTotals): void;
  onStatus(connected: boolean): void;
}

export function subscribeToLocation(locationId: string, handlers: LiveHandlers): () => void {
  // The token the last handshake carried: the one to report as rejected (another tab or the
  // GraphQL client may have refreshed since, and then no second refresh is needed).
  let sent: string | undefined;
  const socket: Socket = io({
    path: "/socket.io",
    transports: ["websocket"],
    // A function, so every reconnect picks up a refreshed token.
    auth: (cb) => cb({ token: (sent = loadSession()?.accessToken) }),
  });
  const subscribe = () =>
    socket.emit("subscribe", { locationId }, (reply: { ok: boolean; dashboard?: LiveTotals }) => {
      if (reply.ok && reply.dashboard) handlers.onTotals(reply.dashboard);
    });
  const reconnect = reconnectWithFreshToken(socket, () => refreshSession(sent).then(() => undefined));
  socket.on("connect", () => {
    handlers.onStatus(true);
    subscribe();
  });
  socket.on("disconnect", () => handlers.onStatus(false));
  socket.on("connect_error", () => handlers.onStatus(false));
  // Events carry today's totals only for owners and managers (the cell leaves them out for staff).
  const onEvent = (event: { dashboard?: LiveTotals }) => {
    if (event.dashboard) handlers.onTotals(event.dashboard);
  };
  socket.on("sale", onEvent);
  socket.on("payment", onEvent);
  return () => {
    reconnect.stop();
    socket.removeAllListeners();
    socket.disconnect();
  };
}
