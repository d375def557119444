// createRouter: wires the route table, its source, the disk snapshot, the public HTTP server
// (requests and upgrades) and the admin server (/healthz, /metrics) together.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type net from "node:net";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger, type Logger } from "../common/index.js";
import { answerAndClose, rawErrorResponse, type RouterErrorCode } from "./errors.js";
import { HostResolver } from "./host.js";
import { createMetrics } from "./metrics.js";
import { onRequest } from "./proxy.js";
import { createRawServer } from "./raw/server.js";
import { RequestIds } from "./request-ids.js";
import { RouteTable, type RouteTableOptions } from "./route-table.js";
import { readSnapshot, SnapshotWriter } from "./snapshot.js";
import type { RouteSource } from "./sources/route-source.js";
import { countAnswer, DEFAULT_LIMITS, type RouterLimits, type RouterServer, type RouterState } from "./state.js";
import { CellSigners } from "./cell-signers.js";
import { onUpgrade } from "./upgrade.js";

export interface RouterOptions {
  /** Public port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Tenants are served at <slug>.<base domain>, e.g. ["localstoreplatform.com", "localhost"]. */
  baseDomains: string[];
  /**
   * Master key of the signed tenant header. Each cell verifies with its own key, derived from
   * this one and its endpoint (common/cell-keys.ts), which the operator puts in the cell's Secret.
   */
  signingKey: string | Buffer;
  routes: RouteSource;
  /** Where the last good route table is kept; read at start when the source is slow or down. */
  stateFile?: string;
  /** Port for /healthz and /metrics (never served on the public port). Omit to run none. */
  adminPort?: number;
  limits?: Partial<RouterLimits>;
  upstream?: Partial<RouteTableOptions>;
  /** Most tenants that get their own metrics label. Default 100. */
  tenantLabelLimit?: number;
  /** On close(), how long requests already at a cell may take to finish. Default 10 s. */
  shutdownGraceMs?: number;
  /** X-Forwarded-Proto for clients, e.g. "https" behind a TLS-terminating load balancer. Default "http". */
  forwardedProto?: string;
  /**
   * Set when OpenTelemetry exports spans in this process (observability/startTracing): the
   * router's span becomes the parent (or root) of the cell's. Default false.
   */
  tracing?: boolean;
  /**
   * The HTTP engine: "node" (node:http server + undici pools) or "raw" (the router's own strict
   * HTTP/1.1 framing on node:net sockets; ADR 1440). Default "raw".
   */
  engine?: RouterEngine;
  logger?: Logger;
}

export type RouterEngine = "node" | "raw";

export const DEFAULT_ENGINE: RouterEngine = "raw";

export interface Router {
  /** Starts serving; resolves with the public base URL. */
  listen(): Promise<string>;
  readonly url: string;
  readonly adminUrl: string | undefined;
  readonly table: RouteTable;
  readonly state: RouterState;
  /** Stops serving: waits up to `graceMs` (default `shutdownGraceMs`) for requests at cells to finish. */
  close(graceMs?: number): Promise<void>;
  /** Client TCP connections open on the public port (including upgraded ones). */
  openConnections(): Promise<number>;
}

export function createRouter(options: RouterOptions): Router {
  if (!options.signingKey || options.signingKey.length < 16) throw new Error("createRouter: signingKey must be at least 16 bytes (ROUTER_SIGNING_KEY)");
  const log = options.logger ?? createLogger("router");
  const limits: RouterLimits = { ...DEFAULT_LIMITS, ...options.limits };
  checkLimits(limits);
  const table = new RouteTable(options.upstream);
  table.on("warning", (message) => log.warn(message));
  const state: RouterState = {
    resolver: new HostResolver(options.baseDomains),
    table,
    signers: new CellSigners(options.signingKey),
    ids: new RequestIds(),
    limits,
    log,
    forwardedProto: options.forwardedProto ?? "http",
    upgraded: new Set<Duplex>(),
    tracing: options.tracing ?? false,
    answers: new Map(),
  };
  const engine = options.engine ?? DEFAULT_ENGINE;
  if (engine !== "node" && engine !== "raw") throw new Error(`createRouter: engine must be "node" or "raw" (got ${String(engine)})`);
  const front = engine === "raw" ? rawFront(state) : nodeFront(state);
  const server = front.server;

  const snapshot = options.stateFile ? new SnapshotWriter(options.stateFile, table, log) : undefined;
  const metrics = createMetrics(state, options.routes, options.tenantLabelLimit ?? 100);
  let admin: http.Server | undefined;
  let url = "";
  let adminUrl: string | undefined;

  function adminHandler(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      // Ready when there is a table to route by: from the source, or a snapshot while it is away.
      const ready = options.routes.synced || table.loadedAt > 0;
      res.writeHead(ready ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: ready ? "ok" : "starting", source: options.routes.name, synced: options.routes.synced, routes: table.size }));
      return;
    }
    if (path === "/metrics") {
      metrics.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
        (error: Error) => res.writeHead(500).end(error.message),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("try /healthz or /metrics\n");
  }

  return {
    table,
    state,
    get url() {
      return url;
    },
    get adminUrl() {
      return adminUrl;
    },
    openConnections() {
      return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    },
    async listen() {
      if (options.stateFile) {
        try {
          const saved = readSnapshot(options.stateFile);
          if (saved) {
            table.replaceAll(saved.routes);
            log.info({ file: options.stateFile, savedAt: saved.savedAt, routes: table.size }, "Loaded route snapshot");
          }
        } catch (error) {
          // A bad snapshot must not keep the router down; the source fills the table, and the
          // next write replaces the file.
          log.error({ file: options.stateFile, err: (error as Error).message }, "Ignored unreadable route snapshot");
        }
      }
      snapshot?.start();
      await options.routes.start(table);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
      });
      const address = server.address() as AddressInfo;
      url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
      if (options.adminPort !== undefined) {
        admin = http.createServer(adminHandler);
        await new Promise<void>((resolve, reject) => {
          admin!.once("error", reject);
          admin!.listen(options.adminPort, options.host ?? "127.0.0.1", () => resolve());
        });
        const a = admin.address() as AddressInfo;
        adminUrl = `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
      }
      log.info({ url, adminUrl, source: options.routes.name, routes: table.size }, "Router listening");
      return url;
    },
    async close(graceMs = options.shutdownGraceMs ?? 10_000) {
      await options.routes.stop();
      snapshot?.stop();
      // Stop taking new connections, let requests already at a cell finish (up to graceMs),
      // then cut whatever is left, WebSockets included (clients reconnect to another replica).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      front.closeIdle();
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && inflight(table) > 0) await sleep(50);
      for (const socket of state.upgraded) socket.destroy();
      front.closeAll();
      await closed;
      if (admin) await new Promise<void>((resolve) => admin!.close(() => resolve()));
      await table.close();
    },
  };
}

/** The public server and how to shut its connections, whichever engine serves them. */
interface Front {
  server: net.Server;
  closeIdle(): void;
  closeAll(): void;
}

function nodeFront(state: RouterState): Front {
  const limits = state.limits;
  const server = http.createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Checked often enough that a slow client is cut close to its deadline.
    connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4))),
    // The router answers a missing Host itself, with its own error code.
    requireHostHeader: false,
    noDelay: true,
  }) as RouterServer;
  server.routerState = state;
  server.on("request", onRequest);
  server.on("upgrade", onUpgrade);
  server.on("clientError", onClientError);
  return { server, closeIdle: () => server.closeIdleConnections(), closeAll: () => server.closeAllConnections() };
}

function rawFront(state: RouterState): Front {
  return createRawServer(state);
}

function checkLimits(limits: RouterLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`createRouter: limits.${name} must be a positive number (got ${value})`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new Error(`createRouter: limits.headersTimeoutMs (${limits.headersTimeoutMs}) must not exceed limits.requestTimeoutMs (${limits.requestTimeoutMs})`);
  }
  if (limits.signatureReuseSeconds > 60) throw new Error("createRouter: limits.signatureReuseSeconds must be at most 60 (cells accept signatures up to 300 s old)");
}

function inflight(table: RouteTable): number {
  let n = 0;
  for (const cell of table.cells()) n += cell.inflight;
  return n;
}

/** Requests the HTTP parser refused before the router saw them: answer with our codes, then close. */
function onClientError(this: RouterServer, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  let code: RouterErrorCode | undefined;
  if (error.code === "HPE_HEADER_OVERFLOW") code = "ROUTER_ERR_HEADERS_TOO_LARGE";
  else if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") code = "ROUTER_ERR_REQUEST_TIMEOUT";
  code ??= "ROUTER_ERR_BAD_REQUEST";
  countAnswer(this.routerState, code);
  answerAndClose(socket, rawErrorResponse(code));
}
