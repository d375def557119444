// The nightly refresh, minus scheduling and storage (the cell's): fetch fresh advice for every
// location, and hand back only recommendations the owner has not seen, for pushing.
import type { Recommendation } from "../../ml/index.js";
import type { MlClient, RecommendationsSource } from "./client.js";

export interface LocationToRefresh {
  tenantId: string;
  locationId: string;
  /** The input, or (cheaper) its data version with a loader the client calls only when the pod lacks that version. */
  load: () => Promise<RecommendationsSource>;
}

export interface RefreshOutcome {
  tenantId: string;
  locationId: string;
  source: "ml" | "rules";
  fresh: Recommendation[];
  error?: string;
}

/**
 * `known(tenantId, locationId)` returns ids already stored (any status), so re-running the job
 * never pushes the same advice twice. One location failing does not stop the others.
 */
export async function refreshAll(client: MlClient, locations: Iterable<LocationToRefresh>, known: (tenantId: string, locationId: string) => Promise<ReadonlySet<string>>): Promise<RefreshOutcome[]> {
  const out: RefreshOutcome[] = [];
  for (const loc of locations) {
    try {
      const input = await loc.load();
      const result = await client.refreshRecommendations(loc.tenantId, loc.locationId, input);
      const seen = await known(loc.tenantId, loc.locationId);
      out.push({ tenantId: loc.tenantId, locationId: loc.locationId, source: result.source, fresh: result.recommendations.filter((r) => !seen.has(r.id)) });
    } catch (err) {
      out.push({ tenantId: loc.tenantId, locationId: loc.locationId, source: "rules", fresh: [], error: (err as Error).message });
    }
  }
  return out;
}
