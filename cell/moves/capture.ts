// Change capture on the source cell: three row triggers per table whose WHEN clause matches only
// the moving tenant, so other tenants' writes never call into the move at all.
import { createHash } from "node:crypto";
import type pg from "pg";
import { inTransaction, MOVES_SCHEMA } from "./bookkeeping.js";
import { retryOnLockTimeout } from "./locks.js";
import { qualified, quoteIdent, type TenantTable } from "./tables.js";

/** Trigger names carry a hash of the move id: two tenants can move out of one cell at once. */
function triggerName(moveId: string, op: "ins" | "upd" | "del"): string {
  return `lsp_move_${createHash("sha256").update(moveId).digest("hex").slice(0, 12)}_${op}`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * One short transaction per table: taking every table's trigger lock in one transaction would
 * deadlock with writers that touch several tables (orders then payments then audit_log). Tables
 * done before a crash simply capture a little early; the copy's snapshot starts after all are in.
 */
export async function installCapture(admin: pg.ClientBase, moveId: string, tenantId: string, schema: string, tables: TenantTable[]): Promise<void> {
  for (const t of tables) await withTableLock(admin, () => installOn(admin, moveId, tenantId, schema, t));
}

async function withTableLock(admin: pg.ClientBase, work: () => Promise<void>): Promise<void> {
  await retryOnLockTimeout(() =>
    inTransaction(admin, async () => {
      await admin.query("set local lock_timeout = '200ms'");
      await work();
    }),
  );
}

async function installOn(admin: pg.ClientBase, moveId: string, tenantId: string, schema: string, t: TenantTable): Promise<void> {
  {
    const table = qualified(schema, t.name);
    const col = quoteIdent(t.tenantColumn);
    const tenant = `${literal(tenantId)}::uuid`;
    const args = `${literal(moveId)}, ${literal(t.primaryKey.join(","))}`;
    const fn = `${MOVES_SCHEMA}.capture(${args})`;
    await admin.query(`drop trigger if exists ${triggerName(moveId, "ins")} on ${table}`);
    await admin.query(`drop trigger if exists ${triggerName(moveId, "upd")} on ${table}`);
    await admin.query(`drop trigger if exists ${triggerName(moveId, "del")} on ${table}`);
    await admin.query(`create trigger ${triggerName(moveId, "ins")} after insert on ${table} for each row when (new.${col} = ${tenant}) execute function ${fn}`);
    await admin.query(
      `create trigger ${triggerName(moveId, "upd")} after update on ${table} for each row when (old.${col} = ${tenant} or new.${col} = ${tenant}) execute function ${fn}`,
    );
    await admin.query(`create trigger ${triggerName(moveId, "del")} after delete on ${table} for each row when (old.${col} = ${tenant}) execute function ${fn}`);
  }
}

/** Removing the triggers also lifts the fence: call it only once the move's outcome is recorded. */
export async function removeCapture(admin: pg.ClientBase, moveId: string, schema: string, tables: TenantTable[]): Promise<void> {
  for (const t of tables) {
    await withTableLock(admin, async () => {
      for (const op of ["ins", "upd", "del"] as const) {
        await admin.query(`drop trigger if exists ${triggerName(moveId, op)} on ${qualified(schema, t.name)}`);
      }
    });
  }
}

/** How many capture triggers are installed for this move (tests and status use it). */
export async function captureTriggerCount(admin: pg.ClientBase, moveId: string, schema: string): Promise<number> {
  const prefix = triggerName(moveId, "ins").slice(0, -4);
  const { rows } = await admin.query<{ n: number }>(
    `select count(*)::int as n from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and g.tgname like $2 || '%'`,
    [schema, prefix],
  );
  return rows[0]!.n;
}
