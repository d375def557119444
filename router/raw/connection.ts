// One client connection on the raw engine: reads request heads, one request at a time
// (pipelined requests wait, unread, until the response before them is complete, and each is
// routed by its own Host), hands upgrades to the tunnel code, and answers what it refuses.
// Timeouts are checked by the server's sweep from the timestamps kept here.
import type { Socket } from "node:net";
import { rawErrorResponse, type RouterErrorCode } from "../errors.js";
import { collectHeaders } from "../forward-headers.js";
import { countAnswer, requestPath, type RouterState } from "../state.js";
import { startUpgrade } from "../upgrade.js";
import type { UpstreamSocket } from "./cell-pool.js";
import { RawExchange } from "./exchange.js";
import { flat } from "./flat-string.js";
import { adoptReadBuffer, ownBytes, releaseReadBuffer, sharedReadBuffer } from "./read-buffer.js";
import { hasBareLineBreak } from "./fields.js";
import { parseRequestHead, type RequestHead } from "./request-head.js";

const kConnection = Symbol("lsp.router.raw.connection");
type ClientSocket = Socket & { [kConnection]?: ClientConnection };

/** Every client socket reads into this one buffer (see read-buffer.ts). */
const clientReadBuffer = sharedReadBuffer();

const REFUSALS = { bad: "ROUTER_ERR_BAD_REQUEST", "too-large": "ROUTER_ERR_HEADERS_TOO_LARGE", expectation: "ROUTER_ERR_EXPECTATION_FAILED" } as const;

export class ClientConnection {
  /** Bytes read but not yet used: a partial head, or the next pipelined request. */
  pending: Buffer | undefined;
  exchange: RawExchange | undefined;
  /** When the current head started arriving (ms, performance clock); 0 = not reading a head. */
  headSince = 0;
  /** When the connection went idle between requests; 0 = not idle. */
  idleSince: number;
  /** Reading the current request's body (data goes to the exchange). */
  readingBody = false;
  /** The response is waiting for the client to drain (this upstream is paused). */
  drainFor: UpstreamSocket | undefined;
  closed = false;
  /** Reads land in the shared buffer (read-buffer.ts): bytes kept past onData go through own(). */
  readonly sharedReads: boolean;
  /** Reading from the client is stopped (a request in progress has the next one waiting). */
  paused = false;
  /**
   * Since when the client has not taken what was written to it (ms, performance clock; 0 = it
   * has): a response waiting on it (drainFor), or the next request waiting for it to read the
   * answers before (awaitingClient). The sweep cuts the connection after clientSendTimeoutMs.
   */
  drainSince = 0;
  /** The next request waits until the client has read the answers written so far. */
  awaitingClient = false;
  /** Bytes of `pending` already searched for the end of a head (and for bare line breaks). */
  #headScanned = 0;
  /** nextRequest is running: a call from inside it (an answer, a finished exchange) loops instead of recursing. */
  #advancing = false;
  #advanceAgain = false;
  #forwardedFor: string | undefined;

  constructor(
    readonly state: RouterState,
    readonly socket: ClientSocket,
    readonly connections: Set<ClientConnection>,
  ) {
    socket[kConnection] = this;
    socket.setNoDelay(true);
    // Accepted paused (pauseOnConnect): reads go straight into the shared buffer from the start.
    this.sharedReads = adoptReadBuffer(socket, clientReadBuffer, onClientData);
    if (!this.sharedReads) socket.on("data", onClientData);
    socket.on("drain", onClientDrain);
    socket.on("error", onClientError);
    socket.on("close", onClientClose);
    connections.add(this);
    this.idleSince = performance.now();
    socket.resume();
  }

  onData(chunk: Buffer): void {
    if (this.readingBody) {
      this.exchange!.clientBytes(chunk);
      return;
    }
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    // A request is in progress: the next one waits (unread past this) until its turn.
    if (this.exchange !== undefined) this.pauseReading();
    else this.nextRequest();
    // What is left (a partial head, a pipelined request) must outlive the shared read buffer.
    if (this.pending !== undefined) this.pending = this.own(this.pending);
  }

  /** `bytes`, copied when they are still in the shared read buffer: for anything kept past onData. */
  own(bytes: Buffer): Buffer {
    return ownBytes(bytes, clientReadBuffer);
  }

  /** The X-Forwarded-For line for this client's requests (its address does not change). */
  forwardedFor(): string {
    return (this.#forwardedFor ??= flat(`x-forwarded-for: ${this.socket.remoteAddress ?? ""}\r\n`));
  }

  pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  /**
   * Parses the next request head from what has arrived, if it is all here, and starts it. A client
   * pipelining requests that the router answers itself (refusals) would otherwise nest one call
   * per request until the stack overflows: calls made while one runs make it go round again.
   */
  nextRequest(now?: number): void {
    if (this.#advancing) {
      this.#advanceAgain = true;
      return;
    }
    this.#advancing = true;
    try {
      do {
        this.#advanceAgain = false;
        this.#nextRequestOnce(now);
      } while (this.#advanceAgain && !this.closed);
    } finally {
      this.#advancing = false;
    }
  }

  #nextRequestOnce(now?: number): void {
    const buf = this.pending;
    if (buf === undefined) {
      this.#headScanned = 0;
      this.idleSince = now ?? performance.now();
      this.headSince = 0;
      this.resumeReading();
      return;
    }
    this.idleSince = 0;
    // A client that does not read its answers gets no more of them: the next request waits, and
    // with it everything the client sends (memory stays bounded by what one answer holds).
    if (this.socket.writableNeedDrain) {
      this.awaitingClient = true;
      if (this.drainSince === 0) this.drainSince = performance.now();
      this.pauseReading();
      return;
    }
    const max = this.state.limits.maxHeaderBytes;
    // A head arriving in many small reads: only the new bytes are searched, not the whole head
    // again at each read (which costs quadratic time for a head sent a byte at a time).
    if (this.#headScanned > 0 && buf.length <= max && headStillIncomplete(buf, this.#headScanned)) {
      this.#headScanned = buf.length;
      this.resumeReading();
      return;
    }
    const head = parseRequestHead(buf, 0, max);
    if (head === "incomplete") {
      this.#headScanned = buf.length;
      if (this.headSince === 0) this.headSince = performance.now();
      this.resumeReading();
      return;
    }
    this.#headScanned = 0;
    this.headSince = 0;
    if (typeof head === "string") return this.answer(REFUSALS[head], this.state.ids.next(), true);
    this.pending = head.length === buf.length ? undefined : buf.subarray(head.length);
    this.start(head);
  }

  start(head: RequestHead): void {
    const state = this.state;
    const requestId = state.ids.next();
    const facts = collectHeaders(head.rawHeaders);
    const hasBody = head.chunked || head.contentLength > 0;
    if (head.upgrade) return this.upgrade(head);
    // Two Host headers could be read differently by two parsers: refuse rather than pick one.
    if (facts.hostCount !== 1) return this.refuse(head, "ROUTER_ERR_BAD_HOST", requestId, hasBody);
    const named = state.resolver.resolve(facts.host);
    if (!named.ok) return this.refuse(head, "ROUTER_ERR_BAD_HOST", requestId, hasBody);
    const path = requestPath(state, head.target, named.slug);
    if (path === undefined) return this.refuse(head, "ROUTER_ERR_BAD_HOST", requestId, hasBody);
    // The body is never read, so this connection cannot carry another request.
    if (head.contentLength > state.limits.maxBodyBytes) return this.refuse(head, "ROUTER_ERR_BODY_TOO_LARGE", requestId, true);
    // The client is not paused here: a GET costs no pause/resume; bytes that arrive during the
    // exchange (a body before its turn, a pipelined request) are kept and reading stops then.
    const exchange = new RawExchange(this, head, facts, requestId, path, named.slug);
    this.exchange = exchange;
    exchange.proceed();
  }

  refuse(head: RequestHead, code: RouterErrorCode, requestId: string, close: boolean): void {
    this.answer(code, requestId, close || !head.keepAlive, acceptsHtml(head.rawHeaders));
  }

  /** The router's own answer; the connection goes on unless `close` (or an unread body). */
  answer(code: RouterErrorCode, requestId: string, close: boolean, html = this.exchange !== undefined && acceptsHtml(this.exchange.head.rawHeaders)): void {
    countAnswer(this.state, code);
    this.exchange = undefined;
    this.readingBody = false;
    if (this.closed) return;
    // A client pipelining refused requests without reading the answers gets cut off rather
    // than have the router buffer answers for it.
    const last = close || this.socket.writableNeedDrain;
    this.socket.write(rawErrorResponse(code, html, requestId, !last));
    if (last) this.end();
    else this.nextRequest();
  }

  /** WebSocket/Upgrade: from here the tunnel code owns the socket. */
  upgrade(head: RequestHead): void {
    const socket = this.socket;
    this.detach();
    socket.pause();
    // The tunnel code wants a plain stream: 'data' events with buffers of its own.
    releaseReadBuffer(socket);
    const rest = this.pending === undefined ? Buffer.alloc(0) : this.own(this.pending);
    this.pending = undefined;
    startUpgrade(this.state, { method: head.method, url: head.target, rawHeaders: head.rawHeaders, headers: this.headerDict(head.rawHeaders), socket }, socket, rest);
  }

  /** Lower-cased header names → values (the first of repeats), for the rare paths that need a lookup. */
  headerDict(raw: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      out[name] ??= raw[i + 1]!;
    }
    return out;
  }

  takePending(): Buffer | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }

  keepPending(rest: Buffer): void {
    rest = this.own(rest);
    this.pending = this.pending === undefined ? rest : Buffer.concat([rest, this.pending]);
  }

  readBody(): void {
    this.readingBody = true;
    this.resumeReading();
  }

  pauseBody(): void {
    this.pauseReading();
  }

  resumeBody(): void {
    if (this.readingBody) this.resumeReading();
  }

  /** The request body is all read: anything further is kept, and waits for the response to finish. */
  bodyRead(): void {
    this.readingBody = false;
  }

  waitForDrain(upstream: UpstreamSocket): void {
    this.drainFor = upstream;
    if (this.drainSince === 0) this.drainSince = performance.now();
    upstream.pause();
  }

  onDrain(): void {
    this.drainSince = 0;
    if (this.awaitingClient) {
      this.awaitingClient = false;
      this.nextRequest();
    }
    const upstream = this.drainFor;
    if (upstream === undefined) return;
    this.drainFor = undefined;
    upstream.resume();
  }

  exchangeDone(close: boolean, now?: number): void {
    this.exchange = undefined;
    this.readingBody = false;
    if (this.drainFor !== undefined) {
      // A paused socket going back to the pool must read again.
      this.drainFor.resume();
      this.drainFor = undefined;
    }
    if (close) this.end();
    else this.nextRequest(now);
  }

  /** Ends the connection once what was written is flushed, or after clientSendTimeoutMs if the client does not read it. */
  end(): void {
    if (this.closed) return;
    this.detach();
    const socket = this.socket;
    socket.on("error", ignore);
    socket.destroySoon();
    if (socket.destroyed) return;
    const deadline = setTimeout(() => socket.destroy(), this.state.limits.clientSendTimeoutMs);
    deadline.unref();
    socket.once("close", () => clearTimeout(deadline));
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Stops handling this socket (closed, or handed to the tunnel code). */
  detach(): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    socket[kConnection] = undefined;
    if (!this.sharedReads) socket.removeListener("data", onClientData);
    socket.removeListener("drain", onClientDrain);
    socket.removeListener("error", onClientError);
    socket.removeListener("close", onClientClose);
    this.connections.delete(this);
    this.exchange?.abort();
    this.exchange = undefined;
  }
}

/**
 * Whether the bytes after `scanned` neither end the head nor hold a bare CR or LF (see
 * parseRequestHead). The two bytes before them are checked with them, for a line break split
 * across reads; a false alarm there only sends the head to the full parse.
 */
function headStillIncomplete(buf: Buffer, scanned: number): boolean {
  return buf.indexOf(HEAD_END, Math.max(0, scanned - 3)) < 0 && !hasBareLineBreak(buf.toString("latin1", Math.max(0, scanned - 2)));
}

const HEAD_END = Buffer.from("\r\n\r\n", "latin1");

function acceptsHtml(raw: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 6 && raw[i]!.toLowerCase() === "accept") return raw[i + 1]!.includes("text/html");
  return false;
}

function onClientData(this: ClientSocket, chunk: Buffer): void {
  this[kConnection]?.onData(chunk);
}

function onClientDrain(this: ClientSocket): void {
  this[kConnection]?.onDrain();
}

function onClientError(this: ClientSocket): void {
  // A reset client is normal churn; "close" follows and cleans up.
}

function onClientClose(this: ClientSocket): void {
  this[kConnection]?.detach();
}

function ignore(): void {}
