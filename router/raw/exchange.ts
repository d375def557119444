// One request on the raw engine, from routing to the end of the cell's answer: the request head
// is rebuilt for the cell (the same header rules as the node:http engine), the body is passed
// through by its framing, the response head is parsed and rewritten, its body passed through
// until its framing says it ended, and the upstream socket goes back to the cell's pool when
// both directions ended cleanly.
import { TENANT_HEADER, TENANT_SIGNATURE_HEADER } from "../../common/index.js";
import { errorStatus, type RouterErrorCode } from "../errors.js";
import type { IncomingHeaderFacts } from "../forward-headers.js";
import { untracedTraceparent } from "../request-ids.js";
import type { Route } from "../route-table.js";
import { RoutedRequest } from "../routed-request.js";
import { tenantSignature, type RouterState } from "../state.js";
import { cellTrace, endSpan, withCellTrace, type CellTrace } from "../tracing.js";
import type { CellUpstream } from "../upstream.js";
import { POOL_CLOSED, RawCellPool, type UpstreamSocket, type UpstreamUser } from "./cell-pool.js";
import { CHUNKED_ERROR, CHUNKED_MORE, ChunkedFramer } from "./chunked.js";
import { flat } from "./flat-string.js";
import type { ClientConnection } from "./connection.js";
import type { RequestHead } from "./request-head.js";
import { BodyKind, parseResponseHead, type ResponseHead } from "./response-head.js";

/** Errors that mean "the cell is not there": answer 503 and stop trying it for a moment. */
const UNREACHABLE = new Set(["UND_ERR_CONNECT_TIMEOUT", "ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"]);

const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n", "latin1");

/** Methods retried once when a pooled connection turns out closed before any answer. */
const RETRYABLE = new Set(["GET", "HEAD", "OPTIONS"]);

/** Body bytes up to which head and body are copied into one buffer rather than written as two. */
const SMALL_BODY = 16 * 1024;

/**
 * The headers that end every request head for `route` (forwarded host and proto, the signed
 * tenant): the same for all its requests while the client's Host spelling and the signature
 * (renewed every few seconds) stay the same, so built once rather than per request.
 */
function headTail(state: RouterState, route: Route, cell: CellUpstream, host: string): string {
  const signature = tenantSignature(state, route, cell);
  if (route.headTailSignature !== signature || route.headTailHost !== host) {
    route.headTail = flat(`x-forwarded-host: ${host}\r\nx-forwarded-proto: ${state.forwardedProto}\r\n${TENANT_HEADER}: ${route.slug}\r\n${TENANT_SIGNATURE_HEADER}: ${signature}\r\n\r\n`);
    route.headTailHost = host;
    route.headTailSignature = signature;
  }
  return route.headTail;
}

export class RawExchange extends RoutedRequest implements UpstreamUser {
  readonly started = performance.now();
  cell: CellUpstream | undefined;
  upstream: UpstreamSocket | undefined;
  trace: CellTrace | undefined;
  /** Request body bytes still to pass (Content-Length framing). */
  bodyLeft: number;
  chunks: ChunkedFramer | undefined;
  /** The whole request (head and body) has been read from the client. */
  requestDone: boolean;
  /** When the head went to the cell (ms, performance clock); 0 = not yet. */
  sentAt = 0;
  /** Last byte from the cell (ms, performance clock). */
  heardAt = 0;
  response: ResponseHead | undefined;
  responseBuf: Buffer | undefined;
  responseLeft = 0;
  responseChunks: ChunkedFramer | undefined;
  /** The client connection must close after this response. */
  closeAfter: boolean;
  retried = false;
  /** The current upstream socket came from the pool (it may have been closed by the cell meanwhile). */
  reused = false;

  constructor(
    readonly conn: ClientConnection,
    readonly head: RequestHead,
    readonly facts: IncomingHeaderFacts,
    readonly requestId: string,
    readonly path: string,
    slug: string,
  ) {
    super(conn.state, slug);
    this.bodyLeft = head.contentLength;
    this.chunks = head.chunked ? new ChunkedFramer(conn.state.limits.maxHeaderBytes) : undefined;
    this.requestDone = !head.chunked && head.contentLength === 0;
    this.closeAfter = !head.keepAlive;
    if (conn.state.tracing) this.trace = cellTrace(head.method, conn.headerDict(head.rawHeaders));
  }

  dispatch(route: Route, cell: CellUpstream): void {
    this.cell = cell;
    cell.inflight++;
    cell.requests++;
    route.requests++;
    // The client may send its body now that the request is going somewhere.
    if (this.head.expectContinue && !this.requestDone) this.conn.socket.write(CONTINUE);
    // The upstream timeout runs from here, so a request queued behind a full pool is timed out
    // by the sweep too; onUpstream restarts it when a socket is handed over. Never held: its
    // start is close enough, and spares the hot path a clock read.
    this.sentAt = this.holdTimer === undefined ? this.started : performance.now();
    (cell.raw ??= new RawCellPool(cell, this.state.table.options)).acquire(this);
  }

  /** The request head for the cell: the client's headers as filtered by collectHeaders, plus the router's. */
  cellHead(): string {
    const { facts, state, head } = this;
    const route = this.route!;
    let out = `${head.method} ${this.path} HTTP/1.${head.minor}\r\n`;
    const headers = this.trace === undefined ? facts.headers : withCellTrace(facts.headers, this.trace);
    for (let i = 0; i < headers.length; i += 2) out += `${headers[i]}: ${headers[i + 1]}\r\n`;
    if (this.trace === undefined) out += `traceparent: ${untracedTraceparent(state, facts.traceparent, this.requestId)}\r\n`;
    if (head.chunked) out += "transfer-encoding: chunked\r\n";
    // An HTTP/1.0 client keeping its connection: ask the cell for the same, so it frames the
    // answer by length rather than by closing.
    else if (head.minor === 0 && head.keepAlive) out += "connection: keep-alive\r\n";
    return `${out}${this.conn.forwardedFor()}x-request-id: ${this.requestId}\r\n${headTail(state, route, this.cell!, facts.host!)}`;
  }

  onUpstream(socket: UpstreamSocket, reused: boolean, waited: boolean): void {
    if (this.done) {
      this.cell!.raw!.release(socket);
      return;
    }
    this.upstream = socket;
    this.reused = reused;
    // A pooled socket taken at once, by a request never held, is handed over in the same
    // callback the request started in: its start time is still the time.
    this.sentAt = !waited && this.holdTimer === undefined ? this.started : performance.now();
    if (!reused) this.cell!.downUntil = 0;
    // Body bytes that arrived with the head (or while held) go right behind it.
    const pending = this.requestDone ? undefined : this.conn.takePending();
    if (pending === undefined) {
      socket.write(this.cellHead(), "latin1");
    } else {
      socket.cork();
      socket.write(this.cellHead(), "latin1");
      this.clientBytes(pending);
      socket.uncork();
    }
    if (!this.requestDone) this.conn.readBody();
  }

  /** Bytes from the client while its body is being read; what is past the body is the next request's. */
  clientBytes(chunk: Buffer): void {
    let end: number;
    if (this.chunks === undefined) {
      end = Math.min(this.bodyLeft, chunk.length);
      this.bodyLeft -= end;
      if (this.bodyLeft === 0) this.requestDone = true;
    } else {
      const at = this.chunks.feed(chunk, 0, chunk.length);
      if (at === CHUNKED_ERROR) return this.failRequest("ROUTER_ERR_BAD_REQUEST");
      if (this.chunks.dataBytes > this.state.limits.maxBodyBytes) return this.failRequest("ROUTER_ERR_BODY_TOO_LARGE");
      end = at === CHUNKED_MORE ? chunk.length : at;
      if (at !== CHUNKED_MORE) this.requestDone = true;
    }
    if (end > 0) {
      const upstream = this.upstream!;
      // The write may queue: bytes still in the client's read buffer are copied first.
      if (!upstream.write(this.conn.own(chunk.subarray(0, end)))) this.conn.pauseBody();
    }
    if (end < chunk.length) this.conn.keepPending(chunk.subarray(end));
    if (this.requestDone) {
      // The cell's time to answer counts from the end of the request.
      this.sentAt = performance.now();
      this.conn.bodyRead();
      if (this.response !== undefined && this.responseFinished()) this.complete();
    }
  }

  onUpstreamDrain(): void {
    if (!this.requestDone) this.conn.resumeBody();
  }

  onUpstreamData(chunk: Buffer): void {
    this.heardAt = performance.now();
    if (this.response === undefined) {
      this.responseHead(chunk);
      return;
    }
    this.responseBody(chunk, 0);
  }

  responseHead(chunk: Buffer): void {
    let buf = this.responseBuf === undefined ? chunk : Buffer.concat([this.responseBuf, chunk]);
    for (;;) {
      const head = parseResponseHead(buf, 0, this.head.method === "HEAD", this.requestId);
      if (head === "incomplete") {
        // Kept past this read: a view into the shared cell read buffer (the chunk, or what is left
        // of it after interim answers) must be copied before the next read overwrites it.
        this.responseBuf = buf.buffer === chunk.buffer ? Buffer.from(buf) : buf;
        return;
      }
      this.responseBuf = undefined;
      if (head === "bad" || head.status === 101) {
        this.state.log.warn({ cell: this.cell!.origin, tenant: this.slug, requestId: this.requestId }, "Refused an invalid response head from the cell");
        return this.failAfterDispatch("ROUTER_ERR_BAD_GATEWAY");
      }
      if (head.status < 200) {
        // Interim answers (103 Early Hints, 102) go to HTTP/1.1 clients as they come (RFC 9110
        // §15.2), never to HTTP/1.0 ones, which cannot read them. 100 Continue is the router's own.
        if (head.status !== 100 && this.head.minor === 1) this.conn.socket.write(`${head.rewritten}\r\n\r\n`, "latin1");
        buf = buf.subarray(head.length);
        if (buf.length === 0) return;
        continue;
      }
      this.response = head;
      // An HTTP/1.0 client cannot read a chunked answer's end: that connection ends with it.
      if (head.body === BodyKind.UntilClose || (head.body === BodyKind.Chunked && this.head.minor === 0)) this.closeAfter = true;
      if (head.body === BodyKind.Length) this.responseLeft = head.contentLength;
      else if (head.body === BodyKind.Chunked) this.responseChunks = new ChunkedFramer(64 * 1024);
      const rewritten = `${head.rewritten}${this.closeAfter || !this.requestDone ? "\r\nconnection: close" : this.head.minor === 0 ? "\r\nconnection: keep-alive" : ""}\r\n\r\n`;
      if (head.body === BodyKind.None) {
        this.conn.socket.write(rewritten, "latin1");
        if (buf.length > head.length) this.response.reusable = false;
        return this.complete();
      }
      if (buf.length > head.length) this.responseBody(buf, head.length, rewritten, head.decoded);
      else this.conn.socket.write(rewritten, "latin1");
      return;
    }
  }

  /**
   * Passes the response body bytes in `chunk[start..]` on; `head`, when given, goes first (in the
   * same write), and `decoded` is the chunk as latin1 as far as the head parser decoded it.
   */
  responseBody(chunk: Buffer, start: number, head?: string, decoded?: string): void {
    const response = this.response!;
    let end = chunk.length;
    let finished = false;
    if (response.body === BodyKind.Length) {
      end = Math.min(chunk.length, start + this.responseLeft);
      this.responseLeft -= end - start;
      finished = this.responseLeft === 0;
    } else if (response.body === BodyKind.Chunked) {
      const at = this.responseChunks!.feed(chunk, start, chunk.length);
      if (at === CHUNKED_ERROR) return this.cut("invalid chunked response");
      if (at !== CHUNKED_MORE) {
        end = at;
        finished = true;
      }
    }
    if (head !== undefined) {
      this.writeWithHead(head, chunk, start, end, finished, decoded!);
    } else if (end > start) {
      // A copy: the chunk is the upstream's read buffer, reused by its next read.
      const ok = this.conn.socket.write(Buffer.from(chunk.subarray(start, end)));
      // The client reads slower than the cell writes: stop reading the cell until it catches up.
      if (!ok && !finished) this.conn.waitForDrain(this.upstream!);
    }
    if (end < chunk.length) response.reusable = false; // bytes past the response: never reuse
    if (finished) this.complete();
  }

  /**
   * The response head and the first body bytes in one write: for the usual small answer that is
   * one buffer and one syscall, instead of a writev of two.
   */
  writeWithHead(head: string, chunk: Buffer, start: number, end: number, finished: boolean, decoded: string): void {
    const socket = this.conn.socket;
    let ok: boolean;
    if (end - start <= SMALL_BODY) {
      // latin1 maps each byte to one char and back: the body passes byte for byte, usually
      // sliced from what the head parser already decoded.
      ok = socket.write(head + (end <= decoded.length ? decoded.slice(start, end) : chunk.toString("latin1", start, end)), "latin1");
    } else {
      socket.cork();
      socket.write(head, "latin1");
      ok = socket.write(Buffer.from(chunk.subarray(start, end)));
      socket.uncork();
    }
    if (!ok && !finished) this.conn.waitForDrain(this.upstream!);
  }

  responseFinished(): boolean {
    const r = this.response!;
    return r.body === BodyKind.None || (r.body === BodyKind.Length && this.responseLeft === 0) || (r.body === BodyKind.Chunked && this.responseChunks!.done);
  }

  /** The response is complete: recycle the upstream socket if clean, then the next request. */
  complete(): void {
    if (this.done) return;
    const upstream = this.upstream!;
    // heardAt: read when this callback began, microseconds ago; one clock reading serves all.
    if (this.requestDone && this.response!.reusable) this.cell!.raw!.release(upstream, this.heardAt);
    else {
      // The cell answered before the whole body arrived: that connection, and the client's
      // (whose unread body would be taken for a request), cannot go on.
      this.cell!.raw!.discard(upstream);
      if (!this.requestDone) this.closeAfter = true;
    }
    this.upstream = undefined;
    this.finish(this.response!.status, this.heardAt);
    this.conn.exchangeDone(this.closeAfter, this.heardAt);
  }

  onUpstreamFailed(error: Error & { code?: string }): void {
    if (this.done) return;
    const cell = this.cell!;
    this.upstream = undefined;
    // Never sent: the route changed while it queued. 503 + Retry-After, without marking the cell down.
    if (error.code === POOL_CLOSED) return this.failAfterDispatch("ROUTER_ERR_CELL_UNAVAILABLE");
    if (UNREACHABLE.has(error.code ?? "")) {
      cell.downUntil = Date.now() + this.state.table.options.retryAfterMs;
      this.state.log.warn({ cell: cell.origin, tenant: this.slug, requestId: this.requestId, err: error.code }, "Marked cell unavailable");
      return this.failAfterDispatch("ROUTER_ERR_CELL_UNAVAILABLE");
    }
    this.failAfterDispatch("ROUTER_ERR_BAD_GATEWAY");
  }

  onUpstreamClose(error: (Error & { code?: string }) | undefined): void {
    if (this.done) return;
    const response = this.response;
    this.upstream = undefined;
    if (response === undefined) {
      // A pooled socket the cell had closed while it sat idle: try once more on a new
      // connection, but only a reused socket, no answer bytes yet, and a method that is safe to
      // send twice with nothing but its head (the cell may have seen it). Never a request with
      // a body, whatever its method: its bytes are gone, and a head announcing a body that never
      // follows would make the cell read the next request on that connection as the body.
      if (this.reused && this.responseBuf === undefined && !this.retried && RETRYABLE.has(this.head.method) && this.requestDone && this.head.contentLength === 0 && !this.head.chunked) {
        this.retried = true;
        this.cell!.raw!.acquire(this, true);
        return;
      }
      this.state.log.warn({ cell: this.cell!.origin, tenant: this.slug, requestId: this.requestId, err: error?.message ?? "closed" }, "Proxied request failed");
      return this.failAfterDispatch("ROUTER_ERR_BAD_GATEWAY");
    }
    if (response.body === BodyKind.UntilClose && error === undefined) {
      this.closeAfter = true;
      this.finish(response.status);
      this.conn.exchangeDone(true);
      return;
    }
    this.cut("the cell closed the connection mid-response");
  }

  /** The client may not send more of this request (bad framing, too large): answer and close. */
  failRequest(code: RouterErrorCode): void {
    if (this.done) return;
    if (this.response !== undefined) return this.cut("request body refused after the response started");
    this.closeAfter = true;
    if (this.cell === undefined) return this.fail(code);
    this.failAfterDispatch(code);
  }

  failAfterDispatch(code: RouterErrorCode): void {
    if (this.done) return;
    if (this.response !== undefined) return this.cut(code);
    this.cell!.recordError(code);
    if (this.upstream !== undefined) this.cell!.raw!.discard(this.upstream);
    else this.cell!.raw?.cancel(this);
    this.upstream = undefined;
    this.finish(errorStatus(code));
    this.conn.answer(code, this.requestId, this.closeAfter || !this.requestDone);
  }

  /** Before dispatch (unknown tenant, suspended, hold timeout, ...). */
  fail(code: RouterErrorCode): void {
    if (this.done) return;
    this.done = true;
    this.leaveHold();
    endSpan(this.trace, errorStatus(code));
    this.conn.answer(code, this.requestId, this.closeAfter || !this.requestDone);
  }

  /** The response already started: the only honest signal left is a cut connection. */
  cut(reason: string): void {
    this.state.log.warn({ cell: this.cell?.origin, tenant: this.slug, requestId: this.requestId, err: reason }, "Cut proxied response");
    if (this.upstream !== undefined) this.cell!.raw!.discard(this.upstream);
    this.upstream = undefined;
    this.finish(this.response?.status ?? 502);
    this.conn.destroy();
  }

  /** The client went away: stop waiting for, or reading from, the cell. */
  abort(): void {
    if (this.done) return;
    this.leaveHold();
    if (this.cell === undefined) {
      this.done = true;
      endSpan(this.trace, 499);
      return;
    }
    if (this.upstream !== undefined) this.cell.raw!.discard(this.upstream);
    else this.cell.raw?.cancel(this);
    this.upstream = undefined;
    this.finish(499);
  }

  finish(status: number, now = performance.now()): void {
    if (this.done) return;
    this.done = true;
    const cell = this.cell;
    endSpan(this.trace, status);
    if (cell === undefined) return;
    cell.inflight--;
    cell.observe((now - this.started) / 1000);
  }
}
