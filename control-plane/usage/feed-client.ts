// HTTP client of a cell's internal usage feed (cell/usage-feed). One instance per cell.
// It holds the platform's master key and presents the cell's own key, derived from the master and
// the cell's endpoint (common/cell-keys.ts) the way the operator derived the key it gave the cell.
import { deriveCellKey } from "../../common/cell-keys.js";
import type { DailyLocationSales, OutboxPage, UsageGauges } from "../../cell/usage-feed/index.js";

/** A cell running a version from before outbox epochs sends neither `epoch` nor `maxId`. */
export type FeedPage = Omit<OutboxPage, "epoch" | "maxId"> & Partial<Pick<OutboxPage, "epoch" | "maxId">>;

export interface CellFeed {
  readonly cell: string;
  outbox(tenantSlug: string, after: string, limit: number): Promise<FeedPage>;
  daily(tenantSlug: string, from: string, to: string): Promise<DailyLocationSales[]>;
  gauges(tenantSlug: string): Promise<UsageGauges>;
}

/** The cell could not be asked (down, unreachable, 5xx): retry later, nothing was consumed. */
export class CellUnavailableError extends Error {
  constructor(readonly cell: string, message: string, options?: { cause?: unknown }) {
    super(`cell '${cell}' usage feed unavailable: ${message}`, options);
    this.name = "CellUnavailableError";
  }
}

/** The cell answered with a 4xx: retrying the same request will not help. */
export class CellFeedRequestError extends Error {
  constructor(readonly cell: string, readonly status: number, readonly code: string, message: string) {
    super(`cell '${cell}' refused the usage feed request (${status} ${code}): ${message}`);
    this.name = "CellFeedRequestError";
  }
}

export interface HttpCellFeedOptions {
  cell: string;
  /** Base URL of the cell API, e.g. http://cell-a-api.lsp-system.svc:8080 */
  baseUrl: string;
  /**
   * The platform's master key (the billing sync's PLATFORM_KEY). It is never sent: the cell is
   * shown deriveCellKey(platformKey, "platform", baseUrl), the key the operator gave it.
   */
  platformKey: string;
  timeoutMs?: number;
}

export function httpCellFeed(options: HttpCellFeedOptions): CellFeed {
  const { cell, platformKey } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Derived once per cell, on the first request: a malformed endpoint fails that tenant's sync
  // step (like the URL below), not the construction of every cell's feed.
  let authorization: string | undefined;

  async function get<T>(path: string, query: Record<string, string>): Promise<T> {
    const url = new URL(path, options.baseUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    authorization ??= `Bearer ${deriveCellKey(platformKey, "platform", options.baseUrl)}`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new CellUnavailableError(cell, (error as Error).message, { cause: error });
    }
    const text = await response.text();
    if (response.status >= 500) throw new CellUnavailableError(cell, `HTTP ${response.status}: ${text.slice(0, 200)}`);
    if (!response.ok) {
      let code = "UNKNOWN";
      let message = text.slice(0, 200);
      try {
        const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
        code = body.error?.code ?? code;
        message = body.error?.message ?? message;
      } catch {
        /* not JSON: keep the raw text */
      }
      throw new CellFeedRequestError(cell, response.status, code, message);
    }
    return JSON.parse(text) as T;
  }

  return {
    cell,
    outbox: (tenant, after, limit) => get<FeedPage>("/internal/outbox", { tenant, after, limit: String(limit) }),
    daily: async (tenant, from, to) => (await get<{ days: DailyLocationSales[] }>("/internal/daily", { tenant, from, to })).days,
    gauges: (tenant) => get<UsageGauges>("/internal/gauges", { tenant }),
  };
}
