// A cell's database: one schema holding the cell's tables and one login role the cell API uses.
// The role owns nothing, has no special attributes (so row-level security applies to it) and is
// granted only what the API needs on that schema.
import type pg from "pg";
import { inClientTransaction } from "../../common/pg-transaction.js";
import { lockSchema, migrateLocked } from "./migrations.js";
import { cellDatabaseNames } from "./names.js";

export interface CellDatabase {
  schema: string;
  role: string;
  appliedMigrations: string[];
}

/** Idempotent: creates or updates the schema, the API role (and its password), and applies migrations. */
export async function ensureCellDatabase(admin: pg.ClientBase, cellName: string, rolePassword: string): Promise<CellDatabase> {
  const { schema, role } = cellDatabaseNames(cellName);
  if (!rolePassword) throw new Error("rolePassword: must not be empty (the cell API logs in with it)");
  return inClientTransaction(admin, async () => {
    await lockRoles(admin);
    await lockSchema(admin, schema);
    await ensureRole(admin, role, rolePassword);
    const appliedMigrations = await migrateLocked(admin, schema);
    await grantApiAccess(admin, schema, role);
    return { schema, role, appliedMigrations };
  });
}

/** Idempotent: removes the schema with all its data, then the role. */
export async function dropCellDatabase(admin: pg.ClientBase, cellName: string): Promise<void> {
  const { schema, role } = cellDatabaseNames(cellName);
  await inClientTransaction(admin, async () => {
    await lockRoles(admin);
    await lockSchema(admin, schema);
    await admin.query(`drop schema if exists ${admin.escapeIdentifier(schema)} cascade`);
    const exists = await admin.query("select 1 from pg_roles where rolname = $1", [role]);
    if (exists.rowCount === 0) return;
    // Sessions of a dropped role would keep working until they disconnect.
    await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where usename = $1 and pid <> pg_backend_pid()", [role]);
    await admin.query(`drop owned by ${admin.escapeIdentifier(role)}`);
    await admin.query(`drop role ${admin.escapeIdentifier(role)}`);
  });
}

/**
 * Concurrent GRANT/ALTER ROLE on shared catalog rows (the database's ACL) fail with "tuple
 * concurrently updated" even for different cells, so role changes are serialized cluster-wide.
 */
async function lockRoles(admin: pg.ClientBase): Promise<void> {
  await admin.query("select pg_advisory_xact_lock(hashtextextended('lsp-cell-roles', 0))");
}

async function ensureRole(admin: pg.ClientBase, role: string, password: string): Promise<void> {
  const exists = await admin.query("select 1 from pg_roles where rolname = $1", [role]);
  const verb = exists.rowCount === 0 ? "create" : "alter";
  // Role attributes are restated on every call so a hand-edited role is put back in line.
  await admin.query(
    `${verb} role ${admin.escapeIdentifier(role)} with login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls password ${admin.escapeLiteral(password)}`,
  );
}

async function grantApiAccess(admin: pg.ClientBase, schema: string, role: string): Promise<void> {
  const s = admin.escapeIdentifier(schema);
  const r = admin.escapeIdentifier(role);
  const db = (await admin.query<{ db: string }>("select current_database() as db")).rows[0]!.db;
  await admin.query(`grant connect on database ${admin.escapeIdentifier(db)} to ${r}`);
  await admin.query(`alter role ${r} set search_path to ${s}`);
  await admin.query(`revoke create on schema ${s} from ${r}`);
  await admin.query(`grant usage on schema ${s} to ${r}`);
  await admin.query(`grant select, insert, update, delete on all tables in schema ${s} to ${r}`);
  await admin.query(`grant usage, select on all sequences in schema ${s} to ${r}`);
  // Bookkeeping and history the API must never rewrite.
  await admin.query(`revoke all on ${s}._prisma_migrations from ${r}`);
  await admin.query(`revoke update, delete on ${s}.audit_log from ${r}`);
  await admin.query(`revoke delete on ${s}.outbox from ${r}`);
  await admin.query(`revoke insert, delete on ${s}.tenants from ${r}`);
}

