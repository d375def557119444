// The HTTP request path: Host → tenant → cell, streamed both ways through the cell's undici
// pool. One HttpExchange object per request carries the state; the handlers are module-level
// functions that find it again through a symbol, so nothing here allocates closures per request.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import type { Dispatcher } from "undici";
import { TENANT_HEADER, TENANT_SIGNATURE_HEADER } from "../common/index.js";
import { sendError, type RouterErrorCode } from "./errors.js";
import { collectHeaders, RESPONSE_HOP_BY_HOP, type IncomingHeaderFacts } from "./forward-headers.js";
import { untracedTraceparent } from "./request-ids.js";
import type { Route } from "./route-table.js";
import { RoutedRequest } from "./routed-request.js";
import { countAnswer, requestPath, tenantSignature, type RouterServer, type RouterState } from "./state.js";
import { cellTrace, endSpan, withCellTrace, type CellTrace } from "./tracing.js";
import type { CellUpstream } from "./upstream.js";

const kExchange = Symbol("lsp.router.exchange");

type ExchangeResponse = ServerResponse & { [kExchange]?: HttpExchange };

/** Errors that mean "the cell is not there": answer 503 and stop trying it for a moment. */
const UNREACHABLE = new Set(["UND_ERR_CONNECT_TIMEOUT", "ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"]);

export function onRequest(this: RouterServer, req: IncomingMessage, res: ServerResponse): void {
  const state = this.routerState;
  const requestId = state.ids.next();
  const facts = collectHeaders(req.rawHeaders);
  // Two Host headers could be read differently by two parsers: refuse rather than pick one.
  if (facts.hostCount !== 1) return answer(state, req, res, "ROUTER_ERR_BAD_HOST", requestId);
  const named = state.resolver.resolve(facts.host);
  if (!named.ok) return answer(state, req, res, "ROUTER_ERR_BAD_HOST", requestId);
  const path = requestPath(state, req.url, named.slug);
  if (path === undefined) return answer(state, req, res, "ROUTER_ERR_BAD_HOST", requestId);
  if (facts.contentLength > state.limits.maxBodyBytes) {
    // The body is never read, so this connection cannot carry another request.
    res.shouldKeepAlive = false;
    return answer(state, req, res, "ROUTER_ERR_BODY_TOO_LARGE", requestId);
  }
  const exchange = new HttpExchange(state, req, res, requestId, facts, path, named.slug);
  // Taken now: a held request is dispatched later, outside the request's trace context.
  if (state.tracing) exchange.trace = cellTrace(req.method ?? "GET", req.headers);
  (res as ExchangeResponse)[kExchange] = exchange;
  res.on("close", onResponseClose);
  exchange.proceed();
}

function answer(state: RouterState, req: IncomingMessage, res: ServerResponse, code: RouterErrorCode, requestId: string): void {
  countAnswer(state, code);
  sendError(req, res, code, requestId);
}

class HttpExchange extends RoutedRequest implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | undefined;
  cell: CellUpstream | undefined;
  bodyLimit: BodyLimit | undefined;
  trace: CellTrace | undefined;
  started = performance.now();

  constructor(
    state: RouterState,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    readonly facts: IncomingHeaderFacts,
    readonly path: string,
    slug: string,
  ) {
    super(state, slug);
  }

  dispatch(route: Route, cell: CellUpstream): void {
    const { state, req, facts } = this;
    const headers = facts.headers;
    headers.push(
      "x-forwarded-for",
      req.socket.remoteAddress ?? "",
      "x-forwarded-host",
      facts.host!,
      "x-forwarded-proto",
      state.forwardedProto,
      "x-request-id",
      this.requestId,
      TENANT_HEADER,
      route.slug,
      TENANT_SIGNATURE_HEADER,
      tenantSignature(state, route, cell),
    );
    if (this.trace === undefined) headers.push("traceparent", untracedTraceparent(state, facts.traceparent, this.requestId));
    let body: IncomingMessage | BodyLimit | null = null;
    if (facts.chunked) {
      this.bodyLimit = new BodyLimit(state.limits.maxBodyBytes);
      body = req.pipe(this.bodyLimit);
    } else if (facts.contentLength > 0) {
      body = req;
    }
    this.cell = cell;
    cell.inflight++;
    cell.requests++;
    route.requests++;
    cell.pool.dispatch(
      {
        path: this.path,
        method: req.method as Dispatcher.HttpMethod,
        headers: this.trace === undefined ? headers : withCellTrace(headers, this.trace),
        body,
        headersTimeout: state.limits.upstreamTimeoutMs,
        bodyTimeout: state.limits.upstreamBodyTimeoutMs,
      },
      this,
    );
  }

  fail(code: RouterErrorCode): void {
    if (this.done) return;
    this.done = true;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    if (this.cell !== undefined) this.cell.recordError(code);
    if (code === "ROUTER_ERR_BODY_TOO_LARGE") this.res.shouldKeepAlive = false;
    answer(this.state, this.req, this.res, code, this.requestId);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done) controller.abort(new Error("client went away"));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    this.cell!.downUntil = 0;
    for (const name of RESPONSE_HOP_BY_HOP) if (headers[name] !== undefined) delete headers[name];
    if (headers["x-request-id"] === undefined) headers["x-request-id"] = this.requestId;
    this.res.writeHead(statusCode, statusMessage || undefined, headers as Record<string, string | string[]>);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.write(chunk)) return;
    // The client reads slower than the cell writes: stop reading the cell until it catches up.
    controller.pause();
    this.res.once("drain", onResponseDrain);
  }

  onResponseEnd(): void {
    this.res.end();
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error & { code?: string }): void {
    const cell = this.cell!;
    this.finish();
    if (this.res.destroyed) return;
    if (this.bodyLimit?.exceeded) return this.failAfterDispatch("ROUTER_ERR_BODY_TOO_LARGE");
    const code = error.code ?? "";
    if (UNREACHABLE.has(code)) {
      cell.downUntil = Date.now() + this.state.table.options.retryAfterMs;
      this.state.log.warn({ cell: cell.origin, tenant: this.slug, requestId: this.requestId, err: code }, "Marked cell unavailable");
      return this.failAfterDispatch("ROUTER_ERR_CELL_UNAVAILABLE");
    }
    if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return this.failAfterDispatch("ROUTER_ERR_UPSTREAM_TIMEOUT");
    if (this.req.destroyed || this.req.errored) return void this.res.destroy();
    this.state.log.warn({ cell: cell.origin, tenant: this.slug, requestId: this.requestId, err: error.message }, "Proxied request failed");
    this.failAfterDispatch("ROUTER_ERR_BAD_GATEWAY");
  }

  failAfterDispatch(code: RouterErrorCode): void {
    this.cell!.recordError(code);
    if (code === "ROUTER_ERR_BODY_TOO_LARGE") this.res.shouldKeepAlive = false;
    answer(this.state, this.req, this.res, code, this.requestId);
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    const cell = this.cell!;
    cell.inflight--;
    cell.observe((performance.now() - this.started) / 1000);
  }
}

function onResponseDrain(this: ExchangeResponse): void {
  this[kExchange]?.controller?.resume();
}

/** The client's connection closed: stop waiting for or reading from the cell on its behalf. */
function onResponseClose(this: ExchangeResponse): void {
  const exchange = this[kExchange];
  if (exchange === undefined) return;
  this[kExchange] = undefined;
  endSpan(exchange.trace, this.statusCode);
  exchange.leaveHold();
  if (exchange.cell !== undefined && !exchange.done) {
    exchange.finish();
    exchange.controller?.abort(new Error("client closed the connection"));
  }
  exchange.done = true;
}

/** Counts a chunked request body and cuts it off at the limit (a Content-Length is checked up front). */
class BodyLimit extends Transform {
  #seen = 0;
  exceeded = false;

  constructor(readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.limit) {
      this.exceeded = true;
      callback(Object.assign(new Error("request body too large"), { code: "ROUTER_BODY_TOO_LARGE" }));
      return;
    }
    callback(null, chunk);
  }
}
