// Request ids that double as W3C trace ids: 32 lower-case hex digits, a random per-process
// prefix plus a counter. Unique without a random draw per request, and a cell that starts a
// trace from our `traceparent` logs the same id the router logged.
import { randomBytes } from "node:crypto";

export class RequestIds {
  readonly #prefix = randomBytes(8).toString("hex");
  readonly #spanPrefix = randomBytes(4).toString("hex");
  #counter = 0;

  next(): string {
    this.#counter = (this.#counter + 1) % 0x1_0000_0000_0000;
    return this.#prefix + this.#counter.toString(16).padStart(16, "0");
  }

  /**
   * A parent span id for a trace the router starts itself for `requestId` (one of ours): 16 hex
   * digits, the process's random half and the id's last 8 (never all zero: a zero random half
   * takes a counter ending in 1).
   */
  span(requestId: string): string {
    const low = requestId.slice(24);
    return this.#spanPrefix + (low === "00000000" && this.#spanPrefix === "00000000" ? "00000001" : low);
  }
}

/** True for a well-formed W3C traceparent we can forward unchanged. */
export function isTraceparent(value: string): boolean {
  // 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>
  if (value.length !== 55) return false;
  if (value.charCodeAt(2) !== 45 || value.charCodeAt(35) !== 45 || value.charCodeAt(52) !== 45) return false;
  for (let i = 0; i < 55; i++) {
    if (i === 2 || i === 35 || i === 52) continue;
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return value.slice(3, 35) !== "00000000000000000000000000000000" && value.slice(36, 52) !== "0000000000000000" && value.slice(0, 2) !== "ff";
}

/**
 * The traceparent for the cell when the router exports no spans: the caller's when well-formed,
 * else a new trace whose id is the request id (so logs and the cell's spans line up).
 */
export function untracedTraceparent(state: { ids: RequestIds }, incoming: string | undefined, requestId: string): string {
  return incoming !== undefined && isTraceparent(incoming) ? incoming : `00-${requestId}-${state.ids.span(requestId)}-01`;
}
