// Everything the request path needs, built once per router and reached through the server
// object (`this.routerState` in the handlers), so no handler is a per-request closure.
import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../common/index.js";
import type { CellUpstream } from "./upstream.js";
import type { RouterErrorCode } from "./errors.js";
import type { HostResolver } from "./host.js";
import type { RequestIds } from "./request-ids.js";
import type { Route, RouteTable } from "./route-table.js";
import type { CellSigners } from "./cell-signers.js";

export interface RouterLimits {
  /** Largest request head (request line + headers) accepted; larger gets 431. */
  maxHeaderBytes: number;
  /** Largest request body accepted; larger gets 413. */
  maxBodyBytes: number;
  /** A client must send its full request head within this time (slowloris guard). */
  headersTimeoutMs: number;
  /** A client must send its whole request (head and body) within this time. */
  requestTimeoutMs: number;
  /** Idle client keep-alive connections close after this long. */
  keepAliveTimeoutMs: number;
  /** A cell must start answering within this time, or the client gets 504. */
  upstreamTimeoutMs: number;
  /** Longest pause between body chunks from a cell before the exchange is cut. */
  upstreamBodyTimeoutMs: number;
  /**
   * Longest time a client may leave what the router wrote to it unread (a response, or the answers
   * before its next pipelined request) before the connection is cut; it frees the cell connection
   * a response holds, which a client that stopped reading would otherwise keep forever.
   */
  clientSendTimeoutMs: number;
  /** Longest time a request waits for a tenant on hold (a move) before 503. */
  holdTimeoutMs: number;
  /**
   * How long one tenant's signature is reused. Cells accept signatures up to
   * TENANT_SIGNATURE_TOLERANCE_SECONDS (300 s) old, so reusing one for a few seconds changes
   * nothing they check, and with thousands of tenants a one-second cache would almost never hit.
   */
  signatureReuseSeconds: number;
}

export const DEFAULT_LIMITS: RouterLimits = {
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 10 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  upstreamTimeoutMs: 30_000,
  upstreamBodyTimeoutMs: 60_000,
  clientSendTimeoutMs: 60_000,
  holdTimeoutMs: 5_000,
  signatureReuseSeconds: 10,
};

export interface RouterState {
  resolver: HostResolver;
  table: RouteTable;
  /** Per-cell signers of the tenant header, derived from the master routing key. */
  signers: CellSigners;
  ids: RequestIds;
  limits: RouterLimits;
  log: Logger;
  /** X-Forwarded-Proto value when the client connection is plain TCP (e.g. TLS ended at a load balancer). */
  forwardedProto: string;
  /** Open upgraded (WebSocket) client sockets, so close() can end them. */
  upgraded: Set<Duplex>;
  /** True when spans are exported (OpenTelemetry started): the router's span then parents the cell's. */
  tracing: boolean;
  /** Answers of the router's own, by code, for /metrics. */
  answers: Map<RouterErrorCode, number>;
}

export interface RouterServer extends Server {
  routerState: RouterState;
}

export function countAnswer(state: RouterState, code: RouterErrorCode): void {
  state.answers.set(code, (state.answers.get(code) ?? 0) + 1);
}

/**
 * The signed tenant header for a request about to go to `cell`, with that cell's key: computed
 * at most once per tenant per `signatureReuseSeconds`, and again whenever the tenant's requests go
 * to another cell (a move), since no other cell accepts it.
 */
export function tenantSignature(state: RouterState, route: Route, cell: CellUpstream): string {
  const now = Math.floor(Date.now() / 1000);
  if (route.signedFor !== cell || now - route.signedAt >= state.limits.signatureReuseSeconds || now < route.signedAt) {
    route.signature = state.signers.for(cell).sign(route.slug, now);
    route.signedAt = now;
    route.signedFor = cell;
  }
  return route.signature;
}

/** What a request for `slug` should do now: go to the route (maybe held), or get this answer. */
export function lookup(state: RouterState, slug: string): Route | RouterErrorCode {
  const route = state.table.get(slug);
  if (route === undefined) return "ROUTER_ERR_UNKNOWN_TENANT";
  if (route.spec.suspended) return "ROUTER_ERR_TENANT_SUSPENDED";
  if (route.spec.hold) return route;
  const cell = route.cell;
  if (cell === undefined) return "ROUTER_ERR_UNKNOWN_TENANT";
  if (cell.downUntil !== 0) {
    const now = Date.now();
    if (cell.downUntil > now) return "ROUTER_ERR_CELL_UNAVAILABLE";
    // The fail-fast window is over: this request probes the cell; the others keep failing fast
    // until it gets an answer (which clears downUntil) or a connect error (which renews it).
    cell.downUntil = now + state.table.options.connectTimeoutMs;
  }
  return route;
}

/**
 * The origin-form path to send to the cell, or undefined when the request target is not one
 * the router will forward. An absolute-form target ("GET http://x/ HTTP/1.1") must name the
 * same tenant as Host, or a client could route by one name and be served as another.
 */
export function requestPath(state: RouterState, url: string | undefined, slug: string): string | undefined {
  if (url === undefined || url.length === 0) return undefined;
  if (url.charCodeAt(0) === 47 /* / */) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  if (parsed.username || parsed.password) return undefined;
  const named = state.resolver.resolve(parsed.host);
  if (!named.ok || named.slug !== slug) return undefined;
  return parsed.pathname + parsed.search;
}
