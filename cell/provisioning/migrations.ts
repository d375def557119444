// Applies the cell's SQL migrations (Prisma's folder layout: prisma/migrations/<ts>_<name>/
// migration.sql) to one schema and records them in a _prisma_migrations table of the same shape
// Prisma's migration engine uses, so `prisma migrate deploy` would agree on what is applied.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";

export const MIGRATIONS_DIR = join(import.meta.dirname, "..", "prisma", "migrations");

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d{14}_/.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export class MigrationChecksumError extends Error {
  constructor(schema: string, name: string) {
    super(`migration ${name} was already applied to schema ${schema} with different contents; migrations are append-only — add a new migration instead of editing an applied one`);
    this.name = "MigrationChecksumError";
  }
}

const MIGRATIONS_TABLE = `
  create table if not exists _prisma_migrations (
    id                   varchar(36) primary key,
    checksum             varchar(64) not null,
    finished_at          timestamptz,
    migration_name       varchar(255) not null,
    logs                 text,
    rolled_back_at       timestamptz,
    started_at           timestamptz not null default now(),
    applied_steps_count  integer not null default 0
  )`;

/**
 * Brings `schema` up to date; returns the names of the migrations applied by this call.
 * Runs in one transaction under the schema's exclusive advisory lock, so concurrent callers
 * serialize, no tenant step sees a half-migrated schema, and a failed migration leaves nothing
 * half-applied. The caller must not be inside a transaction already.
 */
export async function applyCellMigrations(admin: pg.ClientBase, schema: string): Promise<string[]> {
  const migrations = readMigrations();
  await admin.query("begin");
  try {
    await lockSchema(admin, schema);
    const applied = await migrateLocked(admin, schema, migrations);
    await admin.query("commit");
    return applied;
  } catch (error) {
    await admin.query("rollback");
    throw error;
  }
}

/** The advisory lock key of one schema: exclusive for schema changes, shared for tenant steps. */
export const schemaLockKey = (schema: string) => `lsp-cell-schema:${schema}`;

/**
 * Exclusive lock on one schema across processes (operator replicas, the local platform, tests),
 * for changing its shape: creating, migrating, granting, dropping. Waits for tenant steps in flight.
 */
export async function lockSchema(admin: pg.ClientBase, schema: string): Promise<void> {
  await admin.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [schemaLockKey(schema)]);
}

/**
 * Shared lock on one schema for tenant steps (provision, deprovision): they run side by side —
 * the tables' unique keys settle two of them touching the same tenant — and wait only while the
 * schema is being changed. An exclusive lock here made a cell provision one tenant at a time.
 */
export async function lockSchemaForTenants(admin: pg.ClientBase, schema: string): Promise<void> {
  await admin.query("select pg_advisory_xact_lock_shared(hashtextextended($1, 0))", [schemaLockKey(schema)]);
}

/** The migration step itself, for callers already holding the schema lock inside a transaction. */
export async function migrateLocked(admin: pg.ClientBase, schema: string, migrations = readMigrations()): Promise<string[]> {
  const quoted = admin.escapeIdentifier(schema);
  await admin.query(`create schema if not exists ${quoted}`);
  await admin.query(`set local search_path to ${quoted}`);
  await admin.query(MIGRATIONS_TABLE);
  const { rows } = await admin.query<{ migration_name: string; checksum: string }>(
    "select migration_name, checksum from _prisma_migrations where rolled_back_at is null and finished_at is not null",
  );
  const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  const applied: string[] = [];
  for (const m of migrations) {
    const existing = done.get(m.name);
    if (existing !== undefined) {
      if (existing !== m.checksum) throw new MigrationChecksumError(schema, m.name);
      continue;
    }
    await admin.query(m.sql);
    await admin.query(
      "insert into _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) values ($1, $2, now(), $3, 1)",
      [randomUUID(), m.checksum, m.name],
    );
    applied.push(m.name);
  }
  return applied;
}
