// The cell's response head: parsed to know where the response ends (so the upstream socket can
// carry the next request) and rewritten for the client: hop-by-hop headers dropped, the
// router's x-request-id added, Connection: close when the client connection ends after it.
// A head the router cannot frame with certainty is refused (502) rather than guessed at, and so
// is one naming another request: cells echo the x-request-id they were sent, so a different one
// means the cell connection's framing has slipped (a cell that answered twice, say) and this
// answer belongs to another request — possibly another tenant's, in a shared cell.
import { listTokens, parseContentLength, parseFieldLines } from "./fields.js";

export const enum BodyKind {
  None,
  Length,
  Chunked,
  /** Ends when the cell closes the connection. */
  UntilClose,
}

export interface ResponseHead {
  status: number;
  /** Bytes from the start of the head through its blank line. */
  length: number;
  body: BodyKind;
  contentLength: number;
  /** The cell keeps the connection open after this response. */
  reusable: boolean;
  /** The head to send to the client, without its final CRLF (so the caller can append). */
  rewritten: string;
  /** The bytes from `start` on, decoded as latin1, as far as they were (the head and often the whole body). */
  decoded: string;
}

const MAX_RESPONSE_HEAD = 64 * 1024;
const MAX_FIELDS = 512;
const FIRST_DECODE = 4 * 1024;

/** Response headers that describe the cell's connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate"]);

/** Name lengths of the headers above, content-length and x-request-id: the only ones looked at. */
const WATCHED_LENGTHS = new Uint8Array(32);
for (const name of [...HOP_BY_HOP, "content-length", "x-request-id"]) WATCHED_LENGTHS[name.length] = 1;

/**
 * Parses the response head at `start`. `headRequest` is true for HEAD (no body whatever the
 * headers say). Returns "incomplete" until the blank line is in, "bad" for a head to refuse.
 */
export function parseResponseHead(buf: Buffer, start: number, headRequest: boolean, requestId: string): ResponseHead | "bad" | "incomplete" {
  // One latin1 decode of the start of the answer (most heads and small bodies fit in the first
  // few KiB): the search for the head's end, the parsing and the caller's copy of a small body
  // all work on that string. Longer heads take a second, larger decode.
  let text = buf.toString("latin1", start, Math.min(buf.length, start + FIRST_DECODE));
  let end = text.indexOf("\r\n\r\n");
  if (end < 0 && buf.length - start > FIRST_DECODE) {
    text = buf.toString("latin1", start, Math.min(buf.length, start + MAX_RESPONSE_HEAD + 4));
    end = text.indexOf("\r\n\r\n");
  }
  if (end < 0) return buf.length - start > MAX_RESPONSE_HEAD ? "bad" : "incomplete";
  /** Where the header lines end (after the last line's CRLF). */
  const fieldsEnd = end + 2;
  // status-line = "HTTP/1." DIGIT SP 3DIGIT SP [reason] CRLF
  if (!text.startsWith("HTTP/1.")) return "bad";
  const minor = text.charCodeAt(7) - 48;
  if ((minor !== 0 && minor !== 1) || text.charCodeAt(8) !== 32) return "bad";
  const d0 = text.charCodeAt(9) - 48;
  const d1 = text.charCodeAt(10) - 48;
  const d2 = text.charCodeAt(11) - 48;
  if (!(d0 >= 1 && d0 <= 5 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) return "bad";
  const status = d0 * 100 + d1 * 10 + d2;
  const lineEnd = text.indexOf("\r\n", 12);
  if (text.charCodeAt(12) !== 32 && lineEnd !== 12) return "bad";
  for (let i = 12; i < lineEnd; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9) return "bad";
  }

  const fields: string[] = [];
  const lineStarts: number[] = [];
  if (lineEnd + 2 < fieldsEnd && !parseFieldLines(buf, start, text, lineEnd + 2, fieldsEnd, fields, MAX_FIELDS, lineStarts)) return "bad";

  let contentLength = -1;
  let transferEncoding: string | undefined;
  let reusable = minor === 1;
  let hasRequestId = false;
  // The lines kept are copied as they came, in runs: "\r\n" + line for each header line, so a
  // run of kept lines is one slice of `text` (from the status line on), cut where a line is dropped.
  let rewritten = "";
  let runStart = 0;
  const lastEnd = end;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    // Only names of these lengths can be ones to act on: the rest pass without lower-casing.
    const n = name.length;
    if (!WATCHED_LENGTHS[n]) continue;
    const lower = name.toLowerCase();
    const value = fields[i + 1]!;
    if (lower === "content-length") {
      const length = parseContentLength(value);
      if (length < 0 || (contentLength !== -1 && length !== contentLength)) return "bad";
      if (contentLength === -1) {
        contentLength = length;
        continue;
      }
      // an identical repeat: send one (dropped below)
    } else if (lower === "x-request-id") {
      if (value !== requestId) return "bad";
      hasRequestId = true;
      continue;
    } else if (HOP_BY_HOP.has(lower)) {
      if (lower === "transfer-encoding") transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      else if (lower === "connection") for (const token of listTokens(value)) if (token === "close") reusable = false;
    } else {
      continue;
    }
    // Dropped: close the run before this line's leading CRLF, start the next after it.
    const line = lineStarts[i / 2]!;
    rewritten += text.slice(runStart, line - 2);
    runStart = i + 2 < fields.length ? lineStarts[i / 2 + 1]! - 2 : lastEnd;
  }
  rewritten += text.slice(runStart, lastEnd);
  if (!hasRequestId) rewritten += `\r\nx-request-id: ${requestId}`;

  let body: BodyKind;
  if (headRequest || status < 200 || status === 204 || status === 304) {
    // No body whatever the headers say; a Content-Length here (HEAD, 304) describes the GET.
    body = BodyKind.None;
  } else if (transferEncoding !== undefined) {
    // Chunked must be the last coding; with a Content-Length too the framing is ambiguous.
    const codings = listTokens(transferEncoding);
    if (contentLength >= 0 || codings.at(-1) !== "chunked" || codings.indexOf("chunked") !== codings.length - 1) return "bad";
    if (codings.length > 1) rewritten += `\r\ntransfer-encoding: ${codings.join(", ")}`;
    else rewritten += "\r\ntransfer-encoding: chunked";
    body = BodyKind.Chunked;
  } else if (contentLength >= 0) {
    body = contentLength === 0 ? BodyKind.None : BodyKind.Length;
  } else {
    body = BodyKind.UntilClose;
    reusable = false;
  }
  return { status, length: end + 4, decoded: text, body, contentLength: contentLength < 0 ? 0 : contentLength, reusable, rewritten };
}
