// Locations are "*" (all) or a list of ids in tokens and storage; GraphQL spells that as
// allLocations + locationIds, and inputs take a list where null means all.
import type { Locations } from "../../staff/staff.js";

export const locationFields = {
  allLocations: (l: Locations) => l === "*",
  locationIds: (l: Locations) => (l === "*" ? [] : l),
};

export const locationsInput = (ids: readonly string[] | null | undefined): Locations => (ids == null ? "*" : [...ids]);
