// The cell's response head: parsed to know where the response ends (so the upstream socket can
// carry the next request) and rewritten for the client: hop-by-hop headers dropped, the
// router's x-request-id added, Connection: close when the client connection ends after it.
// A head the router cannot frame with certainty is refused (502) rather than guessed at.
import { headEnd, listTokens, parseContentLength, parseFieldLines } from "./fields.js";

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
}

const MAX_RESPONSE_HEAD = 64 * 1024;
const MAX_FIELDS = 512;

/** Response headers that describe the cell's connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate"]);

/**
 * Parses the response head at `start`. `headRequest` is true for HEAD (no body whatever the
 * headers say). Returns "incomplete" until the blank line is in, "bad" for a head to refuse.
 */
export function parseResponseHead(buf: Buffer, start: number, headRequest: boolean, requestId: string): ResponseHead | "bad" | "incomplete" {
  const end = headEnd(buf, start);
  if (end < 0) return buf.length - start > MAX_RESPONSE_HEAD ? "bad" : "incomplete";
  // status-line = "HTTP/1." DIGIT SP 3DIGIT SP [reason] CRLF
  let p = start;
  if (buf.toString("latin1", p, p + 7) !== "HTTP/1.") return "bad";
  const minor = buf[p + 7]! - 48;
  if ((minor !== 0 && minor !== 1) || buf[p + 8] !== 32) return "bad";
  const d0 = buf[p + 9]! - 48;
  const d1 = buf[p + 10]! - 48;
  const d2 = buf[p + 11]! - 48;
  if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return "bad";
  const status = d0 * 100 + d1 * 10 + d2;
  const lineEnd = buf.indexOf("\r\n", p + 12, "latin1");
  if (buf[p + 12] !== 32 && lineEnd !== p + 12) return "bad";
  for (let i = p + 12; i < lineEnd; i++) if (buf[i]! < 32 && buf[i] !== 9) return "bad";
  const statusLine = buf.toString("latin1", p, lineEnd);
  p = lineEnd + 2;

  const fields: string[] = [];
  if (p < end + 2 && !parseFieldLines(buf, p, end + 2, fields, MAX_FIELDS)) return "bad";

  let contentLength = -1;
  let transferEncoding: string | undefined;
  let reusable = minor === 1;
  let hasRequestId = false;
  let rewritten = statusLine;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === "content-length") {
      const n = parseContentLength(value);
      if (n < 0 || (contentLength !== -1 && n !== contentLength)) return "bad";
      if (contentLength !== -1) continue; // an identical repeat: send one
      contentLength = n;
    } else if (HOP_BY_HOP.has(lower)) {
      if (lower === "transfer-encoding") transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      else if (lower === "connection") for (const token of listTokens(value)) if (token === "close") reusable = false;
      continue;
    } else if (lower === "x-request-id") {
      hasRequestId = true;
    }
    rewritten += `\r\n${name}: ${value}`;
  }
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
  return { status, length: end + 4 - start, body, contentLength: contentLength < 0 ? 0 : contentLength, reusable, rewritten };
}
