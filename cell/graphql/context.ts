// Per-request context, built once in createContext(): the verified caller, a Prisma client that
// can only see the caller's tenant, location lookup, and per-request memoized dashboard figures.
import type { MlClient } from "../ml-client/index.js";
import type { Logger } from "../../common/index.js";
import type { Caller, CallerDeps } from "../auth/index.js";
import { identifyCaller } from "../auth/index.js";
import type { Dashboards, SalesFigures } from "../dashboards/index.js";
import type { Database, TenantPrisma } from "../db/index.js";
import type { Location } from "../generated/prisma/client.js";
import type { LocationLookup } from "./location-lookup.js";
import type { RealtimePublisher, RealtimePubSub } from "../realtime/index.js";
import { refreshThrottle, type RefreshThrottle } from "../recommendations/index.js";

export interface CellContext {
  caller: Caller;
  /** Tenant-scoped Prisma client: every query runs with RLS set to the caller's tenant. */
  db: TenantPrisma;
  database: Database;
  dashboards: Dashboards;
  /** A location of the caller's tenant by id (undefined when it is not one). */
  location(id: string): Promise<Location | undefined>;
  figures(locationId: string, from: string, to: string): Promise<SalesFigures>;
  log: Logger;
  /** Real-time push after a write commits, and the subscriptions' pub/sub (cell/realtime). */
  realtime?: RealtimePublisher;
  pubsub?: RealtimePubSub;
  /** The ML pod's client (with its rule-based fallback), for recommendations. */
  ml?: MlClient;
  /** At most one recommendations refresh per location a minute. */
  refreshThrottle: RefreshThrottle;
}

export interface ContextDeps extends CallerDeps {
  database: Database;
  dashboards: Dashboards;
  locations: LocationLookup;
  log: Logger;
  realtime?: RealtimePublisher;
  pubsub?: RealtimePubSub;
  ml?: MlClient;
  /** Shared by the replicas when Redis-backed (`refreshThrottle({ redis, namespace })`); per process by default. */
  refreshThrottle?: RefreshThrottle;
}

/** For servers that pass no throttle of their own. */
const processRefreshThrottle = refreshThrottle();

export async function createContext(request: Request, deps: ContextDeps): Promise<CellContext> {
  const caller = await identifyCaller(request.headers, deps);
  const db = deps.database.forTenant(caller.tenantId);
  const memo = new Map<string, Promise<SalesFigures>>();
  return {
    caller,
    db,
    database: deps.database,
    dashboards: deps.dashboards,
    location: (id) => deps.locations(caller.tenantId, id),
    figures(locationId, from, to) {
      const key = `${locationId}:${from}:${to}`;
      let figures = memo.get(key);
      if (!figures) {
        figures = deps.dashboards.figures(caller.tenantId, locationId, from, to);
        memo.set(key, figures);
      }
      return figures;
    },
    log: deps.log,
    realtime: deps.realtime,
    pubsub: deps.pubsub,
    ml: deps.ml,
    refreshThrottle: deps.refreshThrottle ?? processRefreshThrottle,
  };
}
