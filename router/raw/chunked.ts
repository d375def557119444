// Finds the end of a chunked body (RFC 9112 §7.1) while its bytes pass through unchanged: the
// router forwards exactly what it was sent and only needs to know where the message stops.
// Strict: hex sizes without spaces, CRLF after every line and after each chunk's data, chunk
// extensions and trailers without bare CR/LF or control characters, bounded line lengths.
import { CR, LF, TCHAR } from "./fields.js";

const enum S {
  Size,
  SizeLf,
  ExtBws,
  Ext,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerName,
  Trailer,
  TrailerLf,
  EndLf,
  Done,
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

/** Longest chunk-size line (size + extensions) accepted. */
const MAX_SIZE_LINE = 4096;
/** Most hex digits in a chunk size (2^48 - 1: far above any body limit, exact in a double). */
const MAX_SIZE_DIGITS = 12;

export const CHUNKED_ERROR = -2;
export const CHUNKED_MORE = -1;

export class ChunkedFramer {
  #state = S.Size;
  #remaining = 0;
  #digits = 0;
  #line = 0;
  #trailerBytes = 0;
  /** Payload bytes seen so far (without framing), for body size limits. */
  dataBytes = 0;

  constructor(readonly maxTrailerBytes: number) {}

  get done(): boolean {
    return this.#state === S.Done;
  }

  /**
   * Reads `buf[start, end)`. Returns the index just past the body's last byte when it ends
   * inside this range, CHUNKED_MORE when all of it belongs to the body and more is needed, or
   * CHUNKED_ERROR when the framing is invalid.
   */
  feed(buf: Buffer, start: number, end: number): number {
    let p = start;
    while (p < end) {
      const c = buf[p]!;
      switch (this.#state) {
        case S.Size: {
          const h = HEX[c]!;
          if (h >= 0) {
            if (++this.#digits > MAX_SIZE_DIGITS) return CHUNKED_ERROR;
            this.#remaining = this.#remaining * 16 + h;
            p++;
            continue;
          }
          if (this.#digits === 0) return CHUNKED_ERROR;
          if (c === CR) this.#state = S.SizeLf;
          else if (c === 59 /* ; */) this.#state = S.Ext;
          // BWS is allowed before ';' only: "5 \r\n" is refused, as llhttp does.
          else if (c === 32 || c === 9) this.#state = S.ExtBws;
          else return CHUNKED_ERROR;
          this.#line = 0;
          p++;
          continue;
        }
        case S.ExtBws:
          if (c === 59) this.#state = S.Ext;
          else if (c !== 32 && c !== 9) return CHUNKED_ERROR;
          if (++this.#line > MAX_SIZE_LINE) return CHUNKED_ERROR;
          p++;
          continue;
        case S.Ext:
          if (c === CR) this.#state = S.SizeLf;
          else if (c === LF || (c < 32 && c !== 9) || c === 127) return CHUNKED_ERROR;
          if (++this.#line > MAX_SIZE_LINE) return CHUNKED_ERROR;
          p++;
          continue;
        case S.SizeLf:
          if (c !== LF) return CHUNKED_ERROR;
          p++;
          this.#digits = 0;
          if (this.#remaining === 0) {
            this.#state = S.TrailerStart;
          } else {
            this.#state = S.Data;
          }
          continue;
        case S.Data: {
          const take = Math.min(this.#remaining, end - p);
          p += take;
          this.#remaining -= take;
          this.dataBytes += take;
          if (this.#remaining === 0) this.#state = S.DataCr;
          continue;
        }
        case S.DataCr:
          if (c !== CR) return CHUNKED_ERROR;
          this.#state = S.DataLf;
          p++;
          continue;
        case S.DataLf:
          if (c !== LF) return CHUNKED_ERROR;
          this.#state = S.Size;
          p++;
          continue;
        case S.TrailerStart:
          // The empty line ends the body; anything else starts a trailer field (a token name).
          if (c === CR) this.#state = S.EndLf;
          else if (TCHAR[c] === 1) this.#state = S.TrailerName;
          else return CHUNKED_ERROR;
          if (++this.#trailerBytes > this.maxTrailerBytes) return CHUNKED_ERROR;
          p++;
          continue;
        case S.TrailerName:
          if (c === 58 /* : */) this.#state = S.Trailer;
          else if (TCHAR[c] !== 1) return CHUNKED_ERROR;
          if (++this.#trailerBytes > this.maxTrailerBytes) return CHUNKED_ERROR;
          p++;
          continue;
        case S.Trailer:
          if (c === CR) this.#state = S.TrailerLf;
          else if (c === LF || (c < 32 && c !== 9) || c === 127) return CHUNKED_ERROR;
          if (++this.#trailerBytes > this.maxTrailerBytes) return CHUNKED_ERROR;
          p++;
          continue;
        case S.TrailerLf:
          if (c !== LF) return CHUNKED_ERROR;
          this.#state = S.TrailerStart;
          p++;
          continue;
        case S.EndLf:
          if (c !== LF) return CHUNKED_ERROR;
          this.#state = S.Done;
          return p + 1;
        case S.Done:
          return p;
      }
    }
    return CHUNKED_MORE;
  }
}
