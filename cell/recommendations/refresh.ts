// Asks the ML pod (or, when it is down, the rule-based fallback inside the ML client) for a
// location's advice and records each new piece once: the ML id is stable for the same advice on
// the same day, so a refresh never duplicates what an owner already approved or dismissed.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { MlClient } from "../ml-client/index.js";
import { recommendationsDataVersion, recommendationsInput } from "./ml-input.js";

export interface RefreshResult {
  source: string;
  degradedReason?: string;
  /** Recommendations recorded by this refresh (already known ones are not counted). */
  added: number;
}

/** A UUID derived from the location and the ML id, so the same advice maps to the same row. */
function rowId(locationId: string, mlId: string): string {
  const h = createHash("sha256").update(`${locationId}\n${mlId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The last complete local day at a location: yesterday in its time zone. */
export function lastCompleteDay(timezone: string, now = new Date()): string {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  return new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/**
 * `sql` runs work in a transaction scoped to the tenant (cell/db `Database.sql`). Reading the
 * data version (and, only when the pod does not hold that version's answer, the input) and
 * writing the advice happen in short transactions, with the ML calls between them.
 */
export async function refreshLocationRecommendations(
  sql: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>,
  ml: MlClient,
  tenantId: string,
  location: { id: string; timezone: string },
  now = new Date(),
): Promise<RefreshResult> {
  const asOf = lastCompleteDay(location.timezone, now);
  const dataVersion = await sql((client) => recommendationsDataVersion(client, location.id, asOf));
  // The label sent with the data is re-read in the same transaction, before the data: a sale
  // landing between the two transactions then labels the newer input, never the reverse.
  const load = () => sql(async (client) => ({ dataVersion: await recommendationsDataVersion(client, location.id, asOf), ...(await recommendationsInput(client, location.id, asOf)) }));
  const result = await ml.refreshRecommendations(tenantId, location.id, { asOf, dataVersion, load });
  const added = await sql(async (client) => {
    let count = 0;
    for (const r of result.recommendations) {
      const payload = { mlId: r.id, priority: r.priority, itemIds: r.itemIds, title: r.title, reason: r.reason, metrics: r.metrics, source: r.source };
      const inserted = await client.query(
        `insert into recommendations (id, tenant_id, location_id, kind, title, body, payload) values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing`,
        [rowId(location.id, r.id), tenantId, location.id, r.kind, r.title.vi, r.reason.vi, payload],
      );
      count += inserted.rowCount ?? 0;
    }
    return count;
  });
  return { source: result.source, ...(result.degradedReason ? { degradedReason: result.degradedReason } : {}), added };
}
