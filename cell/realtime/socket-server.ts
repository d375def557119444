// Socket.io on the cell's HTTP server. Clients authenticate exactly like GraphQL requests (the
// router's signed tenant header + the control plane's access token) and join one room per
// location they may see; with Redis, the socket.io Redis adapter carries every emit to the
// clients of every API replica.
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import type { Redis } from "ioredis";
import { Server, type Socket } from "socket.io";
import { z } from "zod";
import type { Logger } from "../../common/index.js";
import { canSeeFigures, canSeeLocation, identifyCaller, type Caller, type CallerDeps } from "../auth/index.js";
import type { Database } from "../db/index.js";
import { figuresRoom, locationRoom, SOCKET_EVENTS, type DashboardSnapshot } from "./events.js";
import { loadDashboardSnapshot } from "./snapshot.js";
import { delayUntil } from "./until-expiry.js";

export interface RealtimeDeps {
  db: Database;
  caller: CallerDeps;
  log: Logger;
  /** Two connections (a subscriber cannot publish); omit for a single replica without Redis. */
  redis?: { publisher: Redis; subscriber: Redis };
  /** A client whose unsent backlog exceeds this many packets is disconnected (it reconnects and resubscribes). */
  maxBufferedPackets?: number;
  /** socket.io path; default /socket.io. */
  path?: string;
}

/** `dashboard` (today's figures) only for owners and managers. */
export type SubscribeReply = { ok: true; dashboard?: DashboardSnapshot } | { ok: false; code: string; message: string };

// Lower-cased: rooms and event topics name locations as Postgres prints ids, so an id written in
// capitals would join a room no event reaches.
const SubscribeRequest = z.object({ locationId: z.uuid("must be a location id (UUID)").transform((id) => id.toLowerCase()) });
const SLOW_CLIENT_SWEEP_MS = 250;

export function createSocketServer(httpServer: HttpServer, deps: RealtimeDeps): { io: Server; close(): Promise<void> } {
  const log = deps.log.child({ component: "realtime" });
  const io = new Server(httpServer, {
    path: deps.path ?? "/socket.io",
    serveClient: false,
    // Events are small; a client never needs to send more than a subscribe request.
    maxHttpBufferSize: 16 * 1024,
    ...(deps.redis ? { adapter: createAdapter(deps.redis.publisher, deps.redis.subscriber, { key: "lsp:socket.io" }) } : {}),
  });

  // engine.io answers its own HTTP requests (handshake, long-polling), outside the cell's request
  // handler: they echo the router's request id too, which the router checks (ADR 1440).
  io.engine.on("headers", (headers: Record<string, string>, req: IncomingMessage) => {
    const requestId = req.headers["x-request-id"];
    if (typeof requestId === "string") headers["x-request-id"] = requestId;
  });

  io.use((socket, next) => {
    authenticate(socket, deps.caller).then(
      (caller) => {
        socket.data.caller = caller;
        next();
      },
      (error: Error & { extensions?: { code?: string } }) => {
        // A refusal of the caller carries its code and words; anything else is this server's fault:
        // its text (a database error, say) stays in the log, and the client is told to retry
        // rather than to sign in again.
        const code = error.extensions?.code;
        const refusal = code
          ? Object.assign(new Error(error.message), { data: { code } })
          : Object.assign(new Error("the server could not check this connection; try again shortly"), { data: { code: "INTERNAL" } });
        if (code) log.info({ code }, "Refused a socket connection");
        else log.error({ err: error }, "Could not authenticate a socket connection");
        next(refusal);
      },
    );
  });

  io.on("connection", (socket) => {
    endAtExpiry(socket);
    socket.on(SOCKET_EVENTS.subscribe, (request: unknown, ack?: (reply: SubscribeReply) => void) => {
      subscribe(socket, request, deps.db).then(
        (reply) => ack?.(reply),
        (error: Error) => {
          log.error({ err: error }, "Failed to subscribe a socket");
          ack?.({ ok: false, code: "INTERNAL_SERVER_ERROR", message: "subscription failed; retry" });
        },
      );
    });
    socket.on(SOCKET_EVENTS.unsubscribe, (request: unknown, ack?: (reply: { ok: boolean }) => void) => {
      const parsed = SubscribeRequest.safeParse(request);
      if (parsed.success) {
        const { tenantId } = socket.data.caller as Caller;
        void socket.leave(locationRoom(tenantId, parsed.data.locationId));
        void socket.leave(figuresRoom(tenantId, parsed.data.locationId));
      }
      ack?.({ ok: parsed.success });
    });
  });

  // Emits never wait for a client: each socket has its own send buffer. This sweep bounds that
  // buffer, so a client that stops reading costs memory for a moment, not forever.
  const maxBuffered = deps.maxBufferedPackets ?? 1_000;
  const sweep = setInterval(() => {
    for (const socket of io.of("/").sockets.values()) {
      const backlog = (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
      if (backlog > maxBuffered) {
        log.warn({ socket: socket.id, backlog }, "Disconnected a slow socket client");
        socket.disconnect(true);
      }
    }
  }, SLOW_CLIENT_SWEEP_MS);
  sweep.unref();

  return {
    io,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweep);
        io.disconnectSockets(true);
        // io.close() would also close the HTTP server, which belongs to the caller.
        io.engine.close();
        resolve();
      }),
  };
}

// A socket is authenticated once, at its handshake; without this, a socket opened with a token
// about to lapse would keep receiving events for as long as it stays open. At the token's expiry
// the cell says why and ends the socket; the client reconnects with a fresh token.
function endAtExpiry(socket: Socket): void {
  const { expiresAt } = socket.data.caller as Caller;
  const timer = setTimeout(
    () => {
      socket.emit(SOCKET_EVENTS.sessionExpired, { code: "UNAUTHENTICATED", message: "access token expired: reconnect with a fresh one" });
      socket.disconnect(true);
    },
    delayUntil(expiresAt),
  );
  timer.unref();
  socket.once("disconnect", () => clearTimeout(timer));
}

async function authenticate(socket: Socket, deps: CallerDeps): Promise<Caller> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(socket.handshake.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  // Browsers cannot set headers on a WebSocket: the token may come in the handshake's auth payload.
  const token = (socket.handshake.auth as { token?: unknown }).token;
  if (typeof token === "string" && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
  return identifyCaller(headers, deps);
}

async function subscribe(socket: Socket, request: unknown, db: Database): Promise<SubscribeReply> {
  const caller = socket.data.caller as Caller;
  const parsed = SubscribeRequest.safeParse(request);
  if (!parsed.success) return { ok: false, code: "BAD_USER_INPUT", message: `locationId: ${parsed.error.issues[0]?.message}` };
  const { locationId } = parsed.data;
  if (!canSeeLocation(caller, locationId)) return { ok: false, code: "FORBIDDEN", message: `you may not see location ${locationId}` };
  // RLS hides other tenants' locations, so this also refuses a location id of another tenant.
  const dashboard = await loadDashboardSnapshot(db, caller.tenantId, locationId);
  if (!dashboard) return { ok: false, code: "NOT_FOUND", message: `location ${locationId} not found` };
  // The socket may have gone (token expiry, the client) while the snapshot was read: joining now
  // would put it back in rooms after it left them all, an entry nothing would ever remove.
  if (socket.disconnected) return { ok: false, code: "UNAUTHENTICATED", message: "the connection closed" };
  const room = locationRoom(caller.tenantId, locationId);
  if (!canSeeFigures(caller)) {
    await socket.join(room);
    return { ok: true };
  }
  await socket.join([room, figuresRoom(caller.tenantId, locationId)]);
  return { ok: true, dashboard };
}
