// The cell's internal usage feed over HTTP, for the control plane only:
//   GET /internal/outbox?tenant=<slug>&after=<id>&limit=<n>   usage-bearing outbox rows after a cursor
//   GET /internal/daily?tenant=<slug>&from=<date>&to=<date>  daily sales per location and item
//   GET /internal/gauges?tenant=<slug>                       active locations and staff seats now
// Authenticated with the cell's platform key as a bearer token (the operator derives it for this
// cell from the platform's master key, common/cell-keys.ts; the billing sync derives the same);
// during a key rotation the previous key is accepted too. The handler is attachable: it answers
// the paths above and returns false for anything else so the cell server can go on routing.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Database } from "../db/index.js";
import { readDailySales, MAX_DAILY_RANGE_DAYS } from "./daily.js";
import { readUsageGauges } from "./gauges.js";
import { DEFAULT_SETTLE_MS, MAX_OUTBOX_PAGE, readOutbox } from "./outbox.js";

export interface UsageFeedOptions {
  db: Database;
  /** Shared secret the control plane presents (this cell's derived platform key); at least 16 characters. */
  platformKey: string;
  /** During a key rotation, the key before platformKey, accepted as well; at least 16 characters. */
  platformKeyPrevious?: string | undefined;
  /** See ReadOutboxOptions.settleMs; default DEFAULT_SETTLE_MS. */
  settleMs?: number;
}

export type UsageFeedHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const slug = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a tenant slug");
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD").refine(isCalendarDate, "must be a real calendar date");
const OutboxQuery = z.object({
  tenant: slug,
  after: z.string().regex(/^\d{1,19}$/, "must be a non-negative integer outbox id").default("0"),
  limit: z.coerce.number().int().min(1).max(MAX_OUTBOX_PAGE).default(500),
});
const DailyQuery = z
  .object({ tenant: slug, from: isoDate, to: isoDate })
  .refine((q) => q.from <= q.to, { path: ["to"], message: "must not be before from" })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_DAILY_RANGE_DAYS, { path: ["to"], message: `range must be under ${MAX_DAILY_RANGE_DAYS} days` });
const GaugesQuery = z.object({ tenant: slug });

export function createUsageFeedHandler(options: UsageFeedOptions): UsageFeedHandler {
  if (options.platformKey.length < 16) throw new Error("usage feed: platformKey must be at least 16 characters");
  if (options.platformKeyPrevious !== undefined && options.platformKeyPrevious.length < 16) throw new Error("usage feed: platformKeyPrevious must be at least 16 characters");
  // Without a previous key the current one stands in for it, so every request makes the same two comparisons.
  const accepted = [digest(`Bearer ${options.platformKey}`), digest(`Bearer ${options.platformKeyPrevious ?? options.platformKey}`)] as const;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const { db } = options;

  // Handlers are hoisted function declarations, so the table can be built before them.
  const ROUTES: Record<string, (params: Record<string, string>, res: ServerResponse) => Promise<boolean>> = {
    "/internal/outbox": outbox,
    "/internal/daily": daily,
    "/internal/gauges": gauges,
  };

  return async function usageFeed(req, res) {
    const url = new URL(req.url ?? "/", "http://cell");
    const route = ROUTES[url.pathname];
    if (!route) return false;
    if (req.method !== "GET") return send(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "only GET is supported" } });
    if (!authorized(req.headers.authorization)) {
      return send(res, 401, { error: { code: "UNAUTHENTICATED", message: "a valid platform key is required (Authorization: Bearer <key>)" } });
    }
    const params = Object.fromEntries(url.searchParams);
    try {
      return await route(params, res);
    } catch (error) {
      return send(res, 500, { error: { code: "INTERNAL", message: (error as Error).message } });
    }
  };

  /** Compares with both keys, always: no early exit that could tell which key (if any) matched. */
  function authorized(header: string | undefined): boolean {
    const given = digest(header ?? "");
    const matches = Number(timingSafeEqual(given, accepted[0])) | Number(timingSafeEqual(given, accepted[1]));
    return matches === 1;
  }

  async function tenantId(slugValue: string, res: ServerResponse): Promise<string | undefined> {
    const { rows } = await db.pool.query<{ id: string }>("select id from tenant_by_slug($1)", [slugValue]);
    if (!rows[0]) send(res, 404, { error: { code: "TENANT_NOT_FOUND", message: `no tenant '${slugValue}' in this cell` } });
    return rows[0]?.id;
  }

  async function outbox(params: Record<string, string>, res: ServerResponse) {
    const q = parse(OutboxQuery, params, res);
    if (!q) return true;
    const id = await tenantId(q.tenant, res);
    if (!id) return true;
    return send(res, 200, await readOutbox(db, id, { after: BigInt(q.after), limit: q.limit, settleMs }));
  }

  async function daily(params: Record<string, string>, res: ServerResponse) {
    const q = parse(DailyQuery, params, res);
    if (!q) return true;
    const id = await tenantId(q.tenant, res);
    if (!id) return true;
    return send(res, 200, { days: await readDailySales(db, id, q.from, q.to) });
  }

  async function gauges(params: Record<string, string>, res: ServerResponse) {
    const q = parse(GaugesQuery, params, res);
    if (!q) return true;
    const id = await tenantId(q.tenant, res);
    if (!id) return true;
    return send(res, 200, await readUsageGauges(db, id));
  }

}

function parse<T>(schema: z.ZodType<T>, params: Record<string, string>, res: ServerResponse): T | undefined {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".") || "(query)";
  send(res, 400, { error: { code: "BAD_REQUEST", field, message: `${field}: ${issue.message}` } });
  return undefined;
}

function send(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
  return true;
}

/** Date.parse alone accepts 2026-02-30; a real day survives the round trip. */
function isCalendarDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
