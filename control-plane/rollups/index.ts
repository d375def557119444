// Cross-location rollups (owner views fed by the cells' daily aggregates) and platform-ops views.
export { syncDailySales, type SyncResult } from "./sync.js";
export { rollupSales, Grains, type Grain, type Rollup, type RollupQuery, type TenantRollup, type LocationRollup, type Figures, type PeriodFigures, type ItemFigures, type Breakdown } from "./query.js";
export { ownedTenants } from "./owners.js";
export { tenantsPerCell, cellHealth, usagePerTenant, type CellTenants, type CellHealth } from "./ops.js";
export { registerRollupSchema, MAX_ROLLUP_DAYS, type RollupAccess } from "./graphql.js";
export { registerControlPlaneRollups, platformOperatorPhones } from "./control-plane-wiring.js";
export { syncRound, startCellSync, kubernetesTargets, type SyncTarget, type CellSyncOptions, type CellSyncLoop, type RoundResult } from "./cell-sync.js";
