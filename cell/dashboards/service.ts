// What resolvers call: figures for a location over local days, from the cache when current.
import type { Database } from "../db/index.js";
import { type DashboardCache } from "./cache.js";
import { loadSalesFigures, type SalesFigures } from "./figures.js";

export interface Dashboards {
  figures(tenantId: string, locationId: string, from: string, to: string): Promise<SalesFigures>;
  /** Call after a sale commits and before reporting it done. */
  salesRecorded(locationIds: Iterable<string>): Promise<void>;
  /** Call after a menu change commits: cached top items carry item names and prices. */
  menuChanged(locationIds: Iterable<string>): Promise<void>;
}

export function dashboards(db: Database, cache: DashboardCache): Dashboards {
  return {
    async figures(tenantId, locationId, from, to) {
      // The tenant is part of the key too, so an entry can only ever be served to its own tenant.
      const signature = `${tenantId}:${from}:${to}`;
      const cached = await cache.get<SalesFigures>(locationId, signature);
      if (cached.value) return cached.value;
      // One snapshot for the hourly, daily and item statements: one answer never mixes a sale
      // committed between them (in its top items but not in its revenue).
      const figures = await db.sql(tenantId, (client) => loadSalesFigures(client, locationId, from, to), { snapshot: true });
      await cache.set(locationId, signature, cached.version, figures);
      return figures;
    },
    salesRecorded(locationIds) {
      return cache.invalidate(locationIds);
    },
    menuChanged(locationIds) {
      return cache.invalidate(locationIds);
    },
  };
}
