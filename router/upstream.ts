// One cell as seen from the router: a shared undici pool (HTTP/1.1 keep-alive) and the numbers
// the metrics endpoint reports for it. Every tenant on the cell shares the pool, so 10,000
// tenants on three cells hold three pools, not 10,000.
import { Pool } from "undici";
import type { RawCellPool } from "./raw/cell-pool.js";

export interface UpstreamOptions {
  /** Sockets per cell. */
  connections: number;
  /** Idle pooled sockets close after this long; must stay below the cell's keepAliveTimeout. */
  keepAliveMs: number;
  /** Give up connecting to a cell after this long and answer 503. */
  connectTimeoutMs: number;
  /** After a failed connect, answer 503 at once for this long instead of trying again. */
  retryAfterMs: number;
}

/** Latency histogram bounds in seconds (router-added + cell time, as the client sees it). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class CellUpstream {
  readonly origin: string;
  readonly url: URL;
  readonly pool: Pool;
  /** The raw engine's keep-alive sockets to this cell (created on first use). */
  raw: RawCellPool | undefined;
  /** Routes pointing here; the pool closes when the last one leaves. */
  refs = 0;
  /**
   * Until this time (ms epoch) the cell is known unreachable: fail fast instead of hanging.
   * 0 = healthy; a past time = it was down and the next request probes it.
   */
  downUntil = 0;
  requests = 0;
  inflight = 0;
  upgradesOpen = 0;
  readonly errors = new Map<string, number>();
  readonly latencyCounts = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  latencySum = 0;

  constructor(url: URL, options: UpstreamOptions) {
    this.url = url;
    this.origin = url.origin;
    this.pool = new Pool(this.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveMs,
      keepAliveMaxTimeout: options.keepAliveMs,
      connect: { timeout: options.connectTimeoutMs, noDelay: true },
    });
  }

  recordError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  observe(seconds: number): void {
    this.latencySum += seconds;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.latencyCounts[i]!++;
  }
}

/** Parses and checks a cell endpoint; only plain http(s) base URLs without credentials are routable. */
export function parseEndpoint(endpoint: string): URL | string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `endpoint '${endpoint}' is not a URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `endpoint '${endpoint}' must be http:// or https://`;
  if (url.username || url.password) return `endpoint '${endpoint}' must not carry credentials`;
  if (url.pathname !== "/" || url.search || url.hash) return `endpoint '${endpoint}' must be a base URL without path, query or fragment`;
  return url;
}
