// Keep-alive sockets to one cell for the raw engine: reused last-in-first-out (the warmest
// socket first), at most `connections` open, requests queued beyond that. Each socket gets its
// listeners once, when it is opened; they reach the exchange using it through a symbol, so
// nothing is allocated per request. Idle sockets are pruned by the router's sweep, not by a
// timer per socket.
import net from "node:net";
import tls from "node:tls";
import type { CellUpstream, UpstreamOptions } from "../upstream.js";
import { onreadOption, sharedReadBuffer } from "./read-buffer.js";

export const kUser = Symbol("lsp.router.raw.user");
/** The error code queued requests get when their cell's pool closes (the route moved or went). */
export const POOL_CLOSED = "LSP_CELL_POOL_CLOSED";
const kPool = Symbol("lsp.router.raw.pool");
const kIdleSince = Symbol("lsp.router.raw.idleSince");
const kConnected = Symbol("lsp.router.raw.connected");

/** The exchange using an upstream socket: gets its bytes and its end. */
export interface UpstreamUser {
  /** `waited`: false when an idle socket is handed over at once, inside `acquire`. */
  onUpstream(socket: UpstreamSocket, reused: boolean, waited: boolean): void;
  onUpstreamFailed(error: Error & { code?: string }): void;
  /**
   * Bytes from the cell. Plain-TCP sockets read into one buffer shared by every cell socket
   * (read-buffer.ts), so `chunk` is only valid during this call: whatever outlives it (a partial
   * head, bytes handed to a write) must be copied first.
   */
  onUpstreamData(chunk: Buffer): void;
  onUpstreamDrain(): void;
  onUpstreamClose(error: (Error & { code?: string }) | undefined): void;
}

export type UpstreamSocket = net.Socket & { [kUser]?: UpstreamUser; [kPool]?: RawCellPool; [kIdleSince]?: number; [kConnected]?: boolean; lastError?: Error };

export class RawCellPool {
  readonly #idle: UpstreamSocket[] = [];
  readonly #waiting: UpstreamUser[] = [];
  #open = 0;
  #closed = false;

  constructor(
    readonly cell: CellUpstream,
    readonly options: UpstreamOptions,
  ) {}

  /** Hands `user` a socket now (idle or new) or as soon as one is free. */
  acquire(user: UpstreamUser, fresh = false): void {
    // The route moved on (a tenant move): nothing goes to this cell any more, not even the one
    // retry of a GET whose pooled socket closed, which would read the tenant's old copy.
    if (this.#closed) return user.onUpstreamFailed(Object.assign(new Error("the cell's pool is closed"), { code: POOL_CLOSED }));
    if (!fresh) {
      const socket = this.#idle.pop();
      if (socket !== undefined) {
        socket[kUser] = user;
        user.onUpstream(socket, true, false);
        return;
      }
    }
    if (this.#open < this.options.connections || fresh) {
      this.#connect(user);
      return;
    }
    this.#waiting.push(user);
  }

  /** Stops waiting for a socket (the client went away while queued). */
  cancel(user: UpstreamUser): void {
    const i = this.#waiting.indexOf(user);
    if (i >= 0) this.#waiting.splice(i, 1);
  }

  /** The exchange is over and the socket is clean: keep it for the next request. `now`: the caller's clock reading, if it has one. */
  release(socket: UpstreamSocket, now = performance.now()): void {
    socket[kUser] = undefined;
    if (this.#closed || socket.destroyed) {
      socket.destroy();
      return;
    }
    const next = this.#waiting.shift();
    if (next !== undefined) {
      socket[kUser] = next;
      next.onUpstream(socket, true, true);
      return;
    }
    socket[kIdleSince] = now;
    this.#idle.push(socket);
  }

  /** The socket cannot carry another request (cut, or its framing is unknown): close it. */
  discard(socket: UpstreamSocket): void {
    socket[kUser] = undefined;
    socket.destroy();
  }

  /** Closes sockets idle for longer than the keep-alive time (called by the router's sweep). */
  prune(now: number): void {
    const limit = now - this.options.keepAliveMs;
    while (this.#idle.length > 0 && this.#idle[0]![kIdleSince]! < limit) this.#idle.shift()!.destroy();
  }

  get idle(): number {
    return this.#idle.length;
  }

  get open(): number {
    return this.#open;
  }

  /**
   * No new requests: idle sockets close now, busy ones when their exchange ends, and requests
   * still queued for a socket are told the cell is gone (nothing of theirs was sent, so the
   * client can safely retry; its route now leads elsewhere).
   */
  close(): void {
    this.#closed = true;
    for (const socket of this.#idle.splice(0)) socket.destroy();
    for (const user of this.#waiting.splice(0)) user.onUpstreamFailed(Object.assign(new Error("the cell's pool closed before a socket was free"), { code: POOL_CLOSED }));
  }

  #connect(user: UpstreamUser): void {
    const url = this.cell.url;
    const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    const socket: UpstreamSocket =
      url.protocol === "https:"
        ? tls.connect({ host: url.hostname, port, servername: url.hostname, ALPNProtocols: ["http/1.1"] })
        : net.connect({ host: url.hostname, port, noDelay: true, onread: onreadOption(cellReadBuffer, onData) });
    this.#open++;
    socket[kPool] = this;
    socket[kUser] = user;
    socket.setTimeout(this.options.connectTimeoutMs);
    socket.once(url.protocol === "https:" ? "secureConnect" : "connect", onConnect);
    socket.on("timeout", onConnectTimeout);
    if (url.protocol === "https:") socket.on("data", onData);
    socket.on("drain", onDrain);
    socket.on("error", onError);
    socket.on("close", onClose);
  }

  /** A socket went away (any reason): forget it, and open one for a waiting request. */
  removed(socket: UpstreamSocket): void {
    this.#open--;
    const i = this.#idle.indexOf(socket);
    if (i >= 0) this.#idle.splice(i, 1);
    const next = this.#closed ? undefined : this.#waiting.shift();
    if (next !== undefined) this.#connect(next);
  }
}

function onConnect(this: UpstreamSocket): void {
  this.setTimeout(0);
  this.removeListener("timeout", onConnectTimeout);
  this[kConnected] = true;
  this[kUser]?.onUpstream(this, false, true);
}

function onConnectTimeout(this: UpstreamSocket): void {
  this.destroy(Object.assign(new Error("connect timed out"), { code: "UND_ERR_CONNECT_TIMEOUT" }));
}

/** Every plain-TCP cell socket reads into this one buffer (see read-buffer.ts). */
const cellReadBuffer = sharedReadBuffer();

function onData(this: UpstreamSocket, chunk: Buffer): void {
  const user = this[kUser];
  // Bytes from a cell nobody asked: the socket's framing is off, never reuse it.
  if (user === undefined) this.destroy();
  else user.onUpstreamData(chunk);
}

function onDrain(this: UpstreamSocket): void {
  this[kUser]?.onUpstreamDrain();
}

function onError(this: UpstreamSocket, error: Error): void {
  this.lastError = error;
}

function onClose(this: UpstreamSocket): void {
  this[kPool]!.removed(this);
  const user = this[kUser];
  this[kUser] = undefined;
  if (user === undefined) return;
  if (this[kConnected] !== true) user.onUpstreamFailed(this.lastError ?? Object.assign(new Error("connection closed"), { code: "ECONNRESET" }));
  else user.onUpstreamClose(this.lastError);
}
