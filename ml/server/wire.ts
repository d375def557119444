// Domain objects -> request messages (camelCase plain objects that proto-loader serialises).
// Used by the cell's client and by tests, so both speak exactly what the server validates.
import type { RecommendationInput } from "../recommend/types.js";

export function recommendationRequest(input: RecommendationInput) {
  return {
    tenantId: input.tenantId,
    locationId: input.locationId,
    asOf: input.asOf,
    items: input.items.map((i) => ({ itemId: i.itemId, name: i.name, nameVi: i.nameVi ?? "", price: i.price, unitCost: i.unitCost ?? 0 })),
    daily: input.daily.map((d) => ({ seriesId: d.itemId, locationId: input.locationId, start: d.start, values: d.quantities })),
    hourly: input.hourly,
    hourlyWeeks: input.hourlyWeeks,
    baskets: input.baskets.map((itemIds) => ({ itemIds })),
    closedDates: input.closedDates,
    ...(input.basketCounts ? { basketCounts: input.basketCounts } : {}),
    dataVersion: input.dataVersion ?? "",
  };
}

/**
 * The cheap repeat call (ADR 0940): names the input by the version sent with it earlier and
 * carries none of it. A pod that does not hold the answer replies FAILED_PRECONDITION; the
 * caller then sends `recommendationRequest(input)`, which computes and caches it again.
 */
export function cachedRecommendationRequest(tenantId: string, locationId: string, asOf: string, dataVersion: string) {
  if (!dataVersion) throw new RangeError("dataVersion is required for a cached-only call");
  return { tenantId, locationId, asOf, dataVersion, cachedOnly: true };
}
