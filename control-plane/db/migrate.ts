// Applies control-plane/db/migrations/*.sql in name order, each once, each in its own transaction.
// Plain SQL rather than Prisma's engine, which cannot run on these machines (docs/adr/0501).
// An advisory lock makes concurrent replicas starting together apply each file exactly once.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Pool } from "pg";

const MIGRATIONS_DIR = join(import.meta.dirname, "migrations");
// Any constant works; it only has to be the same for every replica.
const MIGRATION_LOCK = 5_001_700;

export const SCHEMA = "control_plane";

export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>(`SELECT name FROM ${SCHEMA}.schema_migrations`)).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      try {
        await client.query("BEGIN");
        await client.query(readFileSync(join(dir, file), "utf8"));
        await client.query(`INSERT INTO ${SCHEMA}.schema_migrations (name) VALUES ($1)`, [file]);
        await client.query("COMMIT");
        applied.push(file);
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
