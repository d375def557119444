// Today's figures for one location, read from the aggregates the triggers keep: one statement
// (dashboard_snapshot sets the tenant itself, so no begin/commit round trips; migration
// 20261122040000_order_entry_aggregates_and_snapshot). A new sale's snapshot comes back with the sale.
import type { Database } from "../db/index.js";
import type { DashboardSnapshot } from "./events.js";

/** undefined when the location is not the tenant's (RLS hides it) or does not exist. */
export async function loadDashboardSnapshot(db: Database, tenantId: string, locationId: string): Promise<DashboardSnapshot | undefined> {
  const { rows } = await db.pool.query<{ s: DashboardSnapshot | null }>({
    name: "cell_dashboard_snapshot",
    text: "select dashboard_snapshot($1, $2) as s",
    values: [tenantId, locationId],
  });
  return rows[0]?.s ?? undefined;
}
