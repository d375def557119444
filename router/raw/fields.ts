// Header lines of an HTTP/1.1 message head, parsed strictly (RFC 9112 §5): `name: value` with a
// token name, no whitespace before the colon, no obs-fold, no control characters, CRLF only.
// Shared by request heads, response heads and chunked trailers: anything this refuses is a
// place where two parsers could disagree about where a message ends.

/** tchar (RFC 9110 §5.6.2): the bytes a method or header name may use. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

/** field-vchar, SP and HTAB: the bytes a header value may use (obs-text 0x80-0xff included). */
const VALUE = new Uint8Array(256);
VALUE[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VALUE[c] = 1;

export const CR = 13;
export const LF = 10;

/**
 * Parses the header lines in `text[start, end)`, where `text` is `buf` from byte `base` on,
 * decoded as latin1 (one char per byte), and `end` is the index just past the CRLF ending the last
 * line (`start` when there are none). Appends name, value, ... (value trimmed of OWS) to `out`,
 * and each line's start to `lineStarts` when given. Returns false when a line is malformed.
 * The bytes are checked in the Buffer (typed-array reads are the fastest scan) and the names and
 * values sliced from the string (no call into the Buffer per field).
 */
export function parseFieldLines(buf: Buffer, base: number, text: string, start: number, end: number, out: string[], maxFields: number, lineStarts?: number[]): boolean {
  let p = start + base;
  const stop = end + base;
  while (p < stop) {
    const nameStart = p;
    lineStarts?.push(p - base);
    while (p < stop && TCHAR[buf[p]!] === 1) p++;
    // Empty name (a line starting with SP/HTAB is obs-fold), or a name not followed by ':'.
    if (p === nameStart || p >= stop || buf[p] !== 58 /* : */) return false;
    const nameEnd = p++;
    while (p < stop && (buf[p] === 32 || buf[p] === 9)) p++;
    const valueStart = p;
    let valueEnd = p;
    while (p < stop) {
      const c = buf[p]!;
      if (c === CR) break;
      if (VALUE[c] !== 1) return false;
      if (c !== 32 && c !== 9) valueEnd = p + 1;
      p++;
    }
    // Every line ends in CRLF; a CR alone (or the LF missing) is refused.
    if (buf[p] !== CR || buf[p + 1] !== LF) return false;
    if (out.length >= maxFields * 2) return false;
    out.push(text.slice(nameStart - base, nameEnd - base), text.slice(valueStart - base, valueEnd - base));
    p += 2;
  }
  return true;
}

/** True when `text` (an incomplete head) holds an LF not preceded by CR, or a CR not followed by LF: it can never be valid. */
export function hasBareLineBreak(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF && (i === 0 || text.charCodeAt(i - 1) !== CR)) return true;
    if (c === CR && i + 1 < text.length && text.charCodeAt(i + 1) !== LF) return true;
  }
  return false;
}

/** Content-Length value: 1-15 digits, nothing else (no sign, no list, no spaces). -1 when invalid. */
export function parseContentLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** The comma-separated tokens of a list header, trimmed and lower-cased. */
export function listTokens(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = part.trim().toLowerCase();
    if (t.length > 0) out.push(t);
  }
  return out;
}
