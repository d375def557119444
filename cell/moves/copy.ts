// Copying → CatchingUp: one consistent snapshot of the tenant's rows into the target, while the
// tenant keeps writing to the source. Changes the snapshot already contains are dropped from the
// change queue in the same transaction; later ones stay queued for catch-up.
import type pg from "pg";
import { inTransaction, MovePhase, MOVES_SCHEMA, readMove } from "./bookkeeping.js";
import { columnList, insertClause, sourceProjection } from "./projection.js";
import { qualified, quoteIdent, tenantTables } from "./tables.js";

export class MoveIdRangeError extends Error {
  constructor(moveId: string, table: string, limit: string) {
    super(`move '${moveId}': ${table} ids in the source passed the range reserved in the target (${limit}); roll the move back and begin it again`);
    this.name = "MoveIdRangeError";
  }
}

/** Idempotent: a move already past Copying copies nothing. Returns rows copied per table. */
export async function copyTenant(admin: pg.ClientBase, moveId: string): Promise<Record<string, number>> {
  const initial = await readMove(admin, moveId);
  if (initial.phase !== MovePhase.Copying) return {};
  const tables = await tenantTables(admin, initial.sourceSchema);
  // Repeatable read: every table is read from the same snapshot, and the change queue below too.
  return inTransaction(
    admin,
    async () => {
      const move = await readMove(admin, moveId, true);
      if (move.phase !== MovePhase.Copying) return {};
      // Target triggers stay quiet: aggregates are copied as rows, not recomputed from copied orders.
      await admin.query("set local session_replication_role = replica");
      const copied: Record<string, number> = {};
      for (const t of tables) {
        if (t.identity) await assertWithinRange(admin, move.sourceSchema, t.name, t.identity, move.tenantId, t.tenantColumn, move.idLimits[t.name]!, moveId);
        const result = await admin.query(
          `insert into ${qualified(move.targetSchema, t.name)} (${columnList(t)}) ${insertClause(t)}
           select ${sourceProjection(t, move.idOffsets)} from ${qualified(move.sourceSchema, t.name)} s where s.${quoteIdent(t.tenantColumn)} = $1`,
          [move.tenantId],
        );
        copied[t.name] = result.rowCount ?? 0;
      }
      // Only queue entries visible to this snapshot are deleted: their changes are in the copy.
      await admin.query(`delete from ${MOVES_SCHEMA}.changes where move_id = $1`, [moveId]);
      await admin.query(`update ${MOVES_SCHEMA}.moves set phase = $2, updated_at = now() where id = $1`, [moveId, MovePhase.CatchingUp]);
      return copied;
    },
    "repeatable read",
  );
}

export async function assertWithinRange(
  admin: pg.ClientBase,
  schema: string,
  table: string,
  identity: string,
  tenantId: string,
  tenantColumn: string,
  limit: string,
  moveId: string,
): Promise<void> {
  const { rows } = await admin.query<{ over: boolean }>(
    `select coalesce(max(${quoteIdent(identity)}) > $2::bigint, false) as over from ${qualified(schema, table)} where ${quoteIdent(tenantColumn)} = $1`,
    [tenantId, limit],
  );
  if (rows[0]!.over) throw new MoveIdRangeError(moveId, table, limit);
}
