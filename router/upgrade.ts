// WebSocket (and any HTTP/1.1 Upgrade, e.g. socket.io) pass-through. undici does not proxy
// upgrades, so after routing exactly like a plain request the router opens its own TCP (or TLS)
// connection to the cell, replays the request head with the router's headers, and pipes raw
// bytes both ways once the cell has answered 101 (a refusal goes back to the client and ends the
// connection). The cell's answer goes back to the client untouched. Either side closing
// destroys both, which is what keeps socket counts flat under churn.
import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { TENANT_HEADER, TENANT_SIGNATURE_HEADER } from "../common/index.js";
import { answerAndClose, errorStatus, rawErrorResponse, type RouterErrorCode } from "./errors.js";
import { collectHeaders, type IncomingHeaderFacts } from "./forward-headers.js";
import { untracedTraceparent } from "./request-ids.js";
import type { HeldRequest, Route, TenantTunnel } from "./route-table.js";
import { countAnswer, lookup, requestPath, tenantSignature, type RouterServer, type RouterState } from "./state.js";
import { cellTrace, endSpan, withCellTrace, type CellTrace } from "./tracing.js";
import type { CellUpstream } from "./upstream.js";

const kTunnel = Symbol("lsp.router.tunnel");
type TunnelSocket = Duplex & { [kTunnel]?: UpgradeTunnel };

/** What the tunnel needs of the upgrade request (an IncomingMessage, or the raw engine's head). */
export interface UpgradeRequest {
  method?: string;
  url?: string;
  rawHeaders: string[];
  headers: Record<string, string | string[] | undefined>;
  socket: { remoteAddress?: string };
}

export function onUpgrade(this: RouterServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  startUpgrade(this.routerState, req, socket, head);
}

/** Routes an upgrade request exactly like a plain one, then tunnels it to the tenant's cell. */
export function startUpgrade(state: RouterState, req: UpgradeRequest, socket: Duplex, head: Buffer): void {
  const requestId = state.ids.next();
  const facts = collectHeaders(req.rawHeaders);
  if (facts.hostCount !== 1 || facts.upgrade === undefined) return refuse(state, req, socket, "ROUTER_ERR_BAD_HOST");
  // An upgrade with a body has no sound framing through a tunnel (the body would go through raw,
  // its Transfer-Encoding stripped): refused.
  if (facts.chunked || facts.contentLength > 0) return refuse(state, req, socket, "ROUTER_ERR_BAD_REQUEST");
  const named = state.resolver.resolve(facts.host);
  if (!named.ok) return refuse(state, req, socket, "ROUTER_ERR_BAD_HOST");
  const path = requestPath(state, req.url, named.slug);
  if (path === undefined) return refuse(state, req, socket, "ROUTER_ERR_BAD_HOST");
  const tunnel = new UpgradeTunnel(state, req, socket, head, requestId, facts, path, named.slug);
  (socket as TunnelSocket)[kTunnel] = tunnel;
  if (state.tracing) tunnel.trace = cellTrace(req.method ?? "GET", req.headers);
  socket.on("error", onTunnelSocketError);
  socket.on("close", onClientClose);
  tunnel.proceed();
}

function refuse(state: RouterState, req: UpgradeRequest, socket: Duplex, code: RouterErrorCode): void {
  countAnswer(state, code);
  const accept = req.headers.accept;
  socket.on("error", onTunnelSocketError);
  answerAndClose(socket, rawErrorResponse(code, typeof accept === "string" && accept.includes("text/html")));
}

class UpgradeTunnel implements HeldRequest, TenantTunnel {
  upstream: Duplex | undefined;
  cell: CellUpstream | undefined;
  route: Route | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  connectTimer: NodeJS.Timeout | undefined;
  trace: CellTrace | undefined;
  closed = false;

  constructor(
    readonly state: RouterState,
    readonly req: UpgradeRequest,
    readonly client: Duplex,
    readonly head: Buffer,
    readonly requestId: string,
    readonly facts: IncomingHeaderFacts,
    readonly path: string,
    readonly slug: string,
  ) {}

  proceed(): void {
    if (this.closed) return;
    const found = lookup(this.state, this.slug);
    if (typeof found === "string") return this.fail(found);
    this.route = found;
    if (found.spec.hold) {
      if (!this.state.table.hold(found, this)) return this.fail("ROUTER_ERR_HOLD_TIMEOUT");
      this.holdTimer ??= setTimeout(onTunnelHoldTimeout, this.state.limits.holdTimeoutMs, this);
      return;
    }
    this.connect(found, found.cell!);
  }

  release(): void {
    this.proceed();
  }

  connect(route: Route, cell: CellUpstream): void {
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.cell = cell;
    cell.requests++;
    route.requests++;
    // Registered while still connecting too: a move during the handshake must not leave a
    // tunnel to the old cell.
    this.state.table.addTunnel(route, this);
    const url = cell.url;
    const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    const upstream: Duplex =
      url.protocol === "https:"
        ? tls.connect({ host: url.hostname, port, servername: url.hostname, ALPNProtocols: ["http/1.1"] })
        : net.connect({ host: url.hostname, port, noDelay: true });
    (upstream as TunnelSocket)[kTunnel] = this;
    this.upstream = upstream;
    upstream.on("error", onUpstreamError);
    upstream.on("close", onUpstreamClose);
    upstream.once(url.protocol === "https:" ? "secureConnect" : "connect", onUpstreamConnect);
    this.connectTimer = setTimeout(onConnectTimeout, this.state.table.options.connectTimeoutMs, this);
    upstream.write(this.requestHead(route));
    // Bytes the client sent after its head wait for the cell's 101 (see onConnected).
  }

  requestHead(route: Route): string {
    const { facts, state } = this;
    let head = `${this.req.method} ${this.path} HTTP/1.1\r\n`;
    const h = this.trace === undefined ? facts.headers : withCellTrace(facts.headers, this.trace);
    for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}\r\n`;
    if (this.trace === undefined) head += `traceparent: ${untracedTraceparent(state, facts.traceparent, this.requestId)}\r\n`;
    head +=
      `connection: upgrade\r\nupgrade: ${facts.upgrade}\r\n` +
      `x-forwarded-for: ${this.req.socket.remoteAddress ?? ""}\r\n` +
      `x-forwarded-host: ${facts.host}\r\nx-forwarded-proto: ${state.forwardedProto}\r\n` +
      `x-request-id: ${this.requestId}\r\n` +
      `${TENANT_HEADER}: ${route.slug}\r\n${TENANT_SIGNATURE_HEADER}: ${tenantSignature(state, route, this.cell!)}\r\n\r\n`;
    return head;
  }

  onConnected(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    if (this.closed) return;
    const cell = this.cell!;
    cell.downUntil = 0;
    cell.upgradesOpen++;
    this.state.upgraded.add(this.client);
    // The cell's answer reaches the client as sent. The client's bytes reach the cell only once
    // that answer is a 101: a cell that declines is still reading HTTP/1.1 on this connection,
    // and whatever the client sent next would reach it as requests the router never checked.
    this.upstream!.pipe(this.client);
    this.upstream!.on("data", onCellAnswerStart);
    this.opened = true;
  }

  opened = false;
  /** The first bytes of the cell's answer, until its status code is known. */
  answerStart = "";

  /** The cell's status line is in: a 101 opens the tunnel both ways, anything else ends it. */
  onAnswerStart(chunk: Buffer): void {
    this.answerStart += chunk.toString("latin1", 0, Math.min(chunk.length, STATUS_LINE_START));
    if (this.answerStart.length < STATUS_LINE_START) return;
    this.upstream!.removeListener("data", onCellAnswerStart);
    if (/^HTTP\/1\.[01] 101 /.test(this.answerStart)) {
      if (this.head.length > 0) this.upstream!.write(this.head);
      this.client.pipe(this.upstream!);
      return;
    }
    // Declined: nothing more goes to the cell; once its answer is through it closes, and so does
    // the client's connection (onUpstreamClose).
    this.upstream!.end();
  }

  /** Ends both sides exactly once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    if (this.route !== undefined) {
      if (this.route.held) this.state.table.unhold(this.route, this);
      this.state.table.removeTunnel(this.route, this);
    }
    endSpan(this.trace, this.opened ? 101 : 499);
    if (this.opened) {
      this.cell!.upgradesOpen--;
      this.state.upgraded.delete(this.client);
    }
    this.upstream?.destroy();
    this.client.destroy();
  }

  fail(code: RouterErrorCode): void {
    if (this.closed) return;
    if (this.cell !== undefined) this.cell.recordError(code);
    countAnswer(this.state, code);
    endSpan(this.trace, errorStatus(code));
    const accept = this.req.headers.accept;
    const html = typeof accept === "string" && accept.includes("text/html");
    const client = this.client;
    this.closed = true;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    if (this.route !== undefined) {
      if (this.route.held) this.state.table.unhold(this.route, this);
      this.state.table.removeTunnel(this.route, this);
    }
    this.upstream?.destroy();
    answerAndClose(client, rawErrorResponse(code, html));
  }
}

/** "HTTP/1.1 101 ": enough of the cell's answer to know whether it switched protocols. */
const STATUS_LINE_START = 13;

function onUpstreamConnect(this: TunnelSocket): void {
  this[kTunnel]?.onConnected();
}

function onCellAnswerStart(this: TunnelSocket, chunk: Buffer): void {
  this[kTunnel]?.onAnswerStart(chunk);
}

function onUpstreamError(this: TunnelSocket, error: Error & { code?: string }): void {
  const tunnel = this[kTunnel];
  if (tunnel === undefined) return;
  if (!tunnel.opened) {
    // Never connected: the cell is not there. Tell the client (503) and fail fast for a while.
    tunnel.cell!.downUntil = Date.now() + tunnel.state.table.options.retryAfterMs;
    tunnel.state.log.warn({ cell: tunnel.cell!.origin, tenant: tunnel.slug, err: error.code ?? error.message }, "Marked cell unavailable");
    return tunnel.fail("ROUTER_ERR_CELL_UNAVAILABLE");
  }
  tunnel.close();
}

function onUpstreamClose(this: TunnelSocket): void {
  const tunnel = this[kTunnel];
  if (tunnel === undefined || tunnel.closed) return;
  if (!tunnel.opened) return tunnel.fail("ROUTER_ERR_CELL_UNAVAILABLE");
  // Let the client read what the cell sent last (e.g. a close frame), then make sure it goes.
  tunnel.client.end();
  setTimeout(closeTunnel, 1_000, tunnel).unref();
}

function closeTunnel(tunnel: UpgradeTunnel): void {
  tunnel.close();
}

function onClientClose(this: TunnelSocket): void {
  const tunnel = this[kTunnel];
  if (tunnel === undefined) return;
  this[kTunnel] = undefined;
  tunnel.close();
}

function onTunnelSocketError(this: TunnelSocket): void {
  // A reset client is normal churn; "close" follows and cleans up.
}

function onConnectTimeout(tunnel: UpgradeTunnel): void {
  tunnel.connectTimer = undefined;
  if (tunnel.opened || tunnel.closed) return;
  tunnel.cell!.downUntil = Date.now() + tunnel.state.table.options.retryAfterMs;
  tunnel.fail("ROUTER_ERR_CELL_UNAVAILABLE");
}

function onTunnelHoldTimeout(tunnel: UpgradeTunnel): void {
  tunnel.holdTimer = undefined;
  tunnel.fail("ROUTER_ERR_HOLD_TIMEOUT");
}
