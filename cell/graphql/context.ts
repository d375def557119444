// Per-request context, built once in createContext(): the verified caller, a Prisma client that
// can only see the caller's tenant, loaders, and per-request memoized dashboard figures.
import DataLoader from "dataloader";
import type { Logger } from "../../common/index.js";
import type { Caller, CallerDeps } from "../auth/index.js";
import { identifyCaller } from "../auth/index.js";
import type { Dashboards, SalesFigures } from "../dashboards/index.js";
import type { Database, TenantPrisma } from "../db/index.js";
import type { MenuItem } from "../generated/prisma/client.js";
import type { RealtimePublisher, RealtimePubSub } from "../realtime/index.js";

export interface CellContext {
  caller: Caller;
  /** Tenant-scoped Prisma client: every query runs with RLS set to the caller's tenant. */
  db: TenantPrisma;
  database: Database;
  dashboards: Dashboards;
  loaders: { menuItem: DataLoader<string, MenuItem | undefined> };
  figures(locationId: string, from: string, to: string): Promise<SalesFigures>;
  log: Logger;
  /** Real-time push after a write commits, and the subscriptions' pub/sub (cell/realtime). */
  realtime?: RealtimePublisher;
  pubsub?: RealtimePubSub;
}

export interface ContextDeps extends CallerDeps {
  database: Database;
  dashboards: Dashboards;
  log: Logger;
  realtime?: RealtimePublisher;
  pubsub?: RealtimePubSub;
}

export async function createContext(request: Request, deps: ContextDeps): Promise<CellContext> {
  const caller = await identifyCaller(request.headers, deps);
  const db = deps.database.forTenant(caller.tenantId);
  const memo = new Map<string, Promise<SalesFigures>>();
  return {
    caller,
    db,
    database: deps.database,
    dashboards: deps.dashboards,
    loaders: {
      // Results in key order, undefined for ids the tenant cannot see.
      menuItem: new DataLoader(async (ids) => {
        const rows = await db.menuItem.findMany({ where: { id: { in: [...ids] } } });
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id));
      }),
    },
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
  };
}
