// Each integration test file gets a database of its own on the shared test Postgres, so files
// running in parallel workers never see each other's rows.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrateBilling } from "../billing/migrate.js";
import { migrate } from "../db/migrate.js";

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = "cp"): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error("DATABASE_URL is not set: run integration tests through jest (npm test), which starts Postgres");
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 5 });
  // As the control plane does on start: its own schema, then billing's.
  await migrate(pool);
  await migrateBilling(pool);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function uniquePrefix(): string {
  return `t${randomBytes(4).toString("hex")}:`;
}

/** A random valid Vietnamese mobile number, so tests sharing Redis never share a phone. */
export function randomPhone(): string {
  return `+849${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, "0")}`;
}
