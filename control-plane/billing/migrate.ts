// Applies the billing, usage and rollup tables (schemas "billing" and "rollups") with the control
// plane's own migration runner, from this folder's migrations/ (numbered 08xx so their names never
// meet the control plane's). See docs/adr/0800-billing-schema-and-migrations.md.
import { join } from "node:path";
import type { Pool } from "pg";
import { migrate } from "../db/migrate.js";

export const BILLING_MIGRATIONS_DIR = join(import.meta.dirname, "migrations");

export function migrateBilling(pool: Pool): Promise<string[]> {
  return migrate(pool, BILLING_MIGRATIONS_DIR);
}
