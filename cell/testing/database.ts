// Test support: a freshly provisioned cell database per test file, on the test run's real
// Postgres (DATABASE_URL is the superuser), with a connection string for the cell's API role.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { dropCellDatabase, ensureCellDatabase } from "../provisioning/index.js";

export interface TestCellDatabase {
  cellName: string;
  schema: string;
  role: string;
  /** Connection string of the cell API's role. */
  roleUrl: string;
  admin: pg.Client;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: run integration tests through jest's global setup (npm test)");
  return url;
}

export function uniqueCellName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

export async function createTestCellDatabase(prefix: string): Promise<TestCellDatabase> {
  const cellName = uniqueCellName(prefix);
  const password = randomBytes(12).toString("hex");
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  const { schema, role } = await ensureCellDatabase(admin, cellName, password);
  const url = new URL(adminUrl());
  url.username = role;
  url.password = password;
  return {
    cellName,
    schema,
    role,
    roleUrl: url.toString(),
    admin,
    async drop() {
      await dropCellDatabase(admin, cellName);
      await admin.end();
    },
  };
}
