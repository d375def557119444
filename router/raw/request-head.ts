// The request head, parsed strictly enough that the router and the cell can never disagree
// about where a request ends (request smuggling): exactly one way to frame a body, CRLF line
// ends, no obs-fold, token names, bounded size. Only what routing and framing need is
// interpreted; header names and values are handed to collectHeaders as strings, as node:http did.
import { CR, hasBareLineBreak, LF, listTokens, parseContentLength, parseFieldLines, TCHAR } from "./fields.js";

export interface RequestHead {
  method: string;
  /** The request target as sent (origin-form or absolute-form). */
  target: string;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: number;
  /** name, value, ... as received. */
  rawHeaders: string[];
  /** Bytes from the start of the head through its blank line. */
  length: number;
  /** Declared body length; 0 when none. */
  contentLength: number;
  chunked: boolean;
  /** The client wants the connection kept after this exchange. */
  keepAlive: boolean;
  /** Connection: upgrade and an Upgrade header: a WebSocket (or other protocol) hand-off. */
  upgrade: boolean;
  /** Expect: 100-continue. */
  expectContinue: boolean;
}

/** Why a head was refused: 400 (malformed/ambiguous), 431 (too large), 417 (an Expect we do not do). */
export type HeadRefusal = "bad" | "too-large" | "expectation";

const MAX_FIELDS = 256;

/**
 * Parses the head starting at `start`, or says it is not all here yet ("incomplete") or must be
 * refused. Empty lines before the request line are skipped (RFC 9112 §2.2), CRLF only.
 */
export function parseRequestHead(buf: Buffer, start: number, maxHeaderBytes: number): RequestHead | HeadRefusal | "incomplete" {
  let p = start;
  while (p + 1 < buf.length && buf[p] === CR && buf[p + 1] === LF) p += 2;
  // The skipped lines count toward the head's size: otherwise a client could send endless
  // blank lines that the connection keeps buffering.
  const skipped = p - start;
  if (skipped > maxHeaderBytes) return "too-large";
  // One latin1 decode of what can be the head (the limit and its blank line, at most): the
  // search for its end and everything below work on that string, not on the Buffer.
  const text = buf.toString("latin1", p, Math.min(buf.length, p + maxHeaderBytes + 4));
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) {
    if (buf.length - start > maxHeaderBytes) return "too-large";
    return hasBareLineBreak(text) ? "bad" : "incomplete";
  }
  if (skipped + end + 4 > maxHeaderBytes) return "too-large";
  /** Where the header lines end (after the last line's CRLF). */
  const fieldsEnd = end + 2;

  let q = 0;
  // request-line = method SP request-target SP HTTP-version CRLF
  while (TCHAR[text.charCodeAt(q)] === 1) q++;
  if (q === 0 || text.charCodeAt(q) !== 32) return "bad";
  const method = text.slice(0, q++);
  const targetStart = q;
  for (let c = text.charCodeAt(q); c > 32 && c < 127; c = text.charCodeAt(++q));
  if (q === targetStart || text.charCodeAt(q) !== 32) return "bad";
  const target = text.slice(targetStart, q++);
  // "HTTP/1.x" CRLF
  if (!text.startsWith("HTTP/1.", q)) return "bad";
  const minorChar = text.charCodeAt(q + 7);
  if ((minorChar !== 48 && minorChar !== 49) || text.charCodeAt(q + 8) !== CR || text.charCodeAt(q + 9) !== LF) return "bad";
  const minor = minorChar - 48;
  q += 10;

  const rawHeaders: string[] = [];
  if (q < fieldsEnd && !parseFieldLines(buf, p, text, q, fieldsEnd, rawHeaders, MAX_FIELDS)) {
    return rawHeaders.length >= MAX_FIELDS * 2 ? "too-large" : "bad";
  }
  return interpret(method, target, minor, rawHeaders, p + end + 4 - start);
}

function interpret(method: string, target: string, minor: number, rawHeaders: string[], length: number): RequestHead | HeadRefusal {
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let close = false;
  let keepAliveToken = false;
  let upgradeToken = false;
  let upgradeHeader = false;
  let expectContinue = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // Cheap pre-filter on length before lower-casing: most headers are none of these.
    const n = name.length;
    if (n !== 14 && n !== 17 && n !== 10 && n !== 7 && n !== 6) continue;
    const lower = name.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (lower === "content-length") {
      // A second Content-Length, even an equal one, is refused: nginx does the same.
      if (contentLength !== -1) return "bad";
      contentLength = parseContentLength(value);
      if (contentLength < 0) return "bad";
    } else if (lower === "transfer-encoding") {
      if (transferEncoding !== undefined) return "bad";
      transferEncoding = value.toLowerCase();
    } else if (lower === "connection") {
      for (const token of listTokens(value)) {
        if (token === "close") close = true;
        else if (token === "keep-alive") keepAliveToken = true;
        else if (token === "upgrade") upgradeToken = true;
        // Naming a framing header (or Host) as hop-by-hop asks a proxy to drop it while the
        // body still follows: the cell would read that body as a request of its own. No client
        // has a reason to; refused like every other framing ambiguity.
        else if (token === "content-length" || token === "transfer-encoding" || token === "host") return "bad";
      }
    } else if (lower === "upgrade") {
      upgradeHeader = true;
    } else if (lower === "expect") {
      if (value.toLowerCase() !== "100-continue") return "expectation";
      expectContinue = true;
    }
  }
  let chunked = false;
  if (transferEncoding !== undefined) {
    // Only plain "chunked": anything else (a list, gzip, identity, HTTP/1.0) is a framing the
    // cell might read differently, so it is refused. So is Transfer-Encoding with Content-Length.
    if (transferEncoding !== "chunked" || contentLength !== -1 || minor === 0) return "bad";
    chunked = true;
  }
  return {
    method,
    target,
    minor,
    rawHeaders,
    length,
    contentLength: contentLength < 0 ? 0 : contentLength,
    chunked,
    // HTTP/1.0 connections close after one exchange unless the client asked to keep them.
    keepAlive: !close && (minor === 1 || keepAliveToken),
    upgrade: upgradeToken && upgradeHeader,
    expectContinue,
  };
}
