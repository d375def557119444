// Location rows by id, read with plain SQL under the tenant's RLS and remembered for a few
// seconds: every dashboard request starts here, and a location's name and time zone change
// rarely. An entry is only ever served to the tenant it was read for.
import type { Database } from "../db/index.js";
import type { Location } from "../generated/prisma/client.js";

const TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;

export type LocationLookup = (tenantId: string, id: string) => Promise<Location | undefined>;

const BY_ID = `select id, tenant_id as "tenantId", name, timezone, created_at as "createdAt" from locations where id = $1`;

export function locationLookup(database: Database): LocationLookup {
  const cache = new Map<string, { at: number; row: Location }>();
  return async (tenantId, id) => {
    const hit = cache.get(id);
    if (hit && hit.row.tenantId === tenantId && Date.now() - hit.at < TTL_MS) return hit.row;
    const row = await database.sql(tenantId, async (client) => (await client.query<Location>({ name: "cell_location_by_id", text: BY_ID, values: [id] })).rows[0]);
    if (row) {
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(id, { at: Date.now(), row });
    }
    return row;
  };
}
