// Provisioning of cell databases and tenants: the contract the Kubernetes operator, the local
// platform and the tests use, all with a plain `pg` client connected as the platform's admin.
export { cellDatabaseNames, InvalidCellNameError, type CellDatabaseNames } from "./names.js";
export { ensureCellDatabase, dropCellDatabase, type CellDatabase } from "./database.js";
export { applyCellMigrations, readMigrations, MigrationChecksumError, type Migration } from "./migrations.js";
export {
  provisionTenant,
  deprovisionTenant,
  DEFAULT_TIMEZONE,
  InvalidTenantProvisioningError,
  type TenantProvisioning,
} from "./tenants.js";
