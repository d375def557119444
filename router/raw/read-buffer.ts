// Reading into one preallocated buffer, for the raw engine's hot path.
//
// A plain net.Socket allocates a fresh Buffer for every read and passes it through the Readable
// stream machinery before a 'data' listener sees it. node:net's documented `onread` option
// skips both: the kernel's bytes land in a caller-owned buffer and a callback gets them
// directly (measured on the router: ~1.3 CPU-µs less per request for the cell side alone).
//
// Sockets the router dials get `onread` through net.connect. Sockets a net.Server accepts cannot
// be given it by any public API, so `adoptReadBuffer` sets the same state net.Socket keeps for
// `onread` (two symbols, looked up by description on a socket built with `onread`, so nothing
// about them is hard-coded) and points the handle at the buffer the way net.Socket does. If a
// Node release changes that, adoption returns false and the caller keeps 'data' events: slower,
// the same bytes. `read-buffer.test.ts` fails if the fast path is not in use on our Node.
//
// The bytes handed to a callback are only valid during the call: the next read overwrites them.
import net from "node:net";

/** Called with the bytes of one read; they must be copied to outlive the call. */
export type ReadCallback = (this: net.Socket, chunk: Buffer) => void;

type OnreadSocket = net.Socket & { [key: symbol]: unknown; _handle?: { useUserBuffer?(buffer: Uint8Array): void } | null };

const READ_BUFFER_BYTES = 64 * 1024;

/** The symbols net.Socket stores its `onread` buffer and callback under (undefined: not found). */
const onreadSymbols = ((): { buffer: symbol; callback: symbol } | undefined => {
  const probe = new net.Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } }) as OnreadSocket;
  const symbols = Object.getOwnPropertySymbols(probe);
  const buffer = symbols.find((s) => s.description === "kBuffer");
  const callback = symbols.find((s) => s.description === "kBufferCb");
  probe.destroy();
  return buffer && callback ? { buffer, callback } : undefined;
})();

/**
 * One buffer for a group of sockets: callbacks run one at a time on the event loop and each
 * consumes (or copies) its bytes before returning, so the sockets can share it.
 */
export function sharedReadBuffer(): Buffer {
  return Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
}

/** net.connect options that read into `buffer` and call `onData` with each read's bytes. */
export function onreadOption(buffer: Buffer, onData: ReadCallback): net.OnReadOpts {
  return {
    buffer,
    callback(this: net.Socket, nread: number, buf: Uint8Array): boolean {
      onData.call(this, (buf as Buffer).subarray(0, nread));
      return true;
    },
  };
}

/**
 * Makes an accepted socket that has not started reading (server created with pauseOnConnect)
 * read into `buffer`. Returns false when this Node does not allow it; the socket is then unchanged.
 */
export function adoptReadBuffer(socket: net.Socket, buffer: Buffer, onData: ReadCallback): boolean {
  const s = socket as OnreadSocket;
  const handle = s._handle;
  if (onreadSymbols === undefined || typeof handle?.useUserBuffer !== "function") return false;
  handle.useUserBuffer(buffer);
  s[onreadSymbols.buffer] = buffer;
  s[onreadSymbols.callback] = onreadOption(buffer, onData).callback;
  return true;
}

/**
 * Gives an adopted socket back ordinary stream behaviour ('data' events, pipe, backpressure) for
 * code that expects it (a WebSocket tunnel): each read is copied and pushed into the socket's
 * Readable side, and a full Readable stops reading, as net.Socket does itself.
 */
export function releaseReadBuffer(socket: net.Socket): void {
  const s = socket as OnreadSocket;
  if (onreadSymbols === undefined || s[onreadSymbols.buffer] === undefined || s[onreadSymbols.buffer] === null) return;
  s[onreadSymbols.callback] = function (this: net.Socket, nread: number, buf: Uint8Array): boolean {
    return this.push(Buffer.from(buf.subarray(0, nread)));
  };
}

/** True when `chunk` lies in `buffer` (so it must be copied before it is kept). */
export function inReadBuffer(chunk: Buffer, buffer: Buffer): boolean {
  return chunk.buffer === buffer.buffer;
}

/** `chunk` itself, or a copy of it when it lies in `buffer`: bytes that may be kept past the read callback. */
export function ownBytes(chunk: Buffer, buffer: Buffer): Buffer {
  return inReadBuffer(chunk, buffer) ? Buffer.from(chunk) : chunk;
}
