// Replays queued changes: for each changed key, the target row is replaced by the source row as
// it is now (or removed when the source row is gone). Replaying a key twice is harmless, so a
// crash between a replay and the queue delete only repeats work.
import type pg from "pg";
import { inTransaction, MOVES_SCHEMA, readMove, type MoveRecord } from "./bookkeeping.js";
import { assertWithinRange } from "./copy.js";
import { columnList, insertClause, sourceKeyMatch, sourceProjection, targetKeyMatch } from "./projection.js";
import { qualified, quoteIdent, tenantTables, type TenantTable } from "./tables.js";

export interface CatchUpResult {
  /** Queue entries applied. */
  applied: number;
  /** Queue entries left when it stopped (0 unless maxBatches was reached). */
  remaining: number;
  batches: number;
}

export interface CatchUpOptions {
  batchSize?: number;
  /** Stop after this many batches even if writers keep the queue non-empty. */
  maxBatches?: number;
}

/**
 * One round: applies the entries queued when it starts (and any that commit meanwhile with a lower
 * sequence), so it ends even while the tenant keeps writing; the next round takes the rest. Once
 * the source is fenced a round leaves nothing behind.
 */
export async function catchUp(admin: pg.ClientBase, moveId: string, options: CatchUpOptions = {}): Promise<CatchUpResult> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  const move = await readMove(admin, moveId);
  const tables = await tenantTables(admin, move.sourceSchema);
  const top = (await admin.query<{ top: string | null }>(`select max(seq)::text as top from ${MOVES_SCHEMA}.changes where move_id = $1 and not applied`, [moveId])).rows[0]!.top;
  let applied = 0;
  let batches = 0;
  while (top !== null && batches < maxBatches) {
    const n = await applyBatch(admin, move, tables, batchSize, top);
    if (n === 0) break;
    applied += n;
    batches++;
  }
  const { rows } = await admin.query<{ n: number }>(`select count(*)::int as n from ${MOVES_SCHEMA}.changes where move_id = $1 and not applied`, [moveId]);
  return { applied, remaining: rows[0]!.n, batches };
}

async function applyBatch(admin: pg.ClientBase, move: MoveRecord, tables: TenantTable[], batchSize: number, top: string): Promise<number> {
  return inTransaction(admin, async () => {
    const { rows } = await admin.query<{ seq: string; tbl: string }>(
      `select seq::text, tbl from ${MOVES_SCHEMA}.changes where move_id = $1 and not applied and seq <= $3 order by seq limit $2`,
      [move.id, batchSize, top],
    );
    if (rows.length === 0) return 0;
    await admin.query("set local session_replication_role = replica");
    const seqs = rows.map((r) => r.seq);
    for (const name of new Set(rows.map((r) => r.tbl))) {
      const t = tables.find((x) => x.name === name);
      if (!t) throw new Error(`move '${move.id}': change queued for unknown table ${name}`);
      await replayTable(admin, move, t, seqs);
    }
    await admin.query(`update ${MOVES_SCHEMA}.changes set applied = true where seq = any($1::bigint[])`, [seqs]);
    return rows.length;
  });
}

async function replayTable(admin: pg.ClientBase, move: MoveRecord, t: TenantTable, seqs: string[]): Promise<void> {
  const source = qualified(move.sourceSchema, t.name);
  const keys = `with k as (
      select (jsonb_populate_record(null::${source}, c.key)).* from ${MOVES_SCHEMA}.changes c
       where c.move_id = $1 and c.seq = any($2::bigint[]) and c.tbl = $3)`;
  // The tenant filter is defence in depth: keys are UUIDs or ranges reserved for the move, so no
  // other tenant's row in the target shares one, but a replay must never be able to delete it.
  await admin.query(
    `${keys} delete from ${qualified(move.targetSchema, t.name)} x using k where x.${quoteIdent(t.tenantColumn)} = $4 and ${targetKeyMatch(t, move.idOffsets)}`,
    [move.id, seqs, t.name, move.tenantId],
  );
  if (t.identity) await assertWithinRange(admin, move.sourceSchema, t.name, t.identity, move.tenantId, t.tenantColumn, move.idLimits[t.name]!, move.id);
  await admin.query(
    `${keys} insert into ${qualified(move.targetSchema, t.name)} (${columnList(t)}) ${insertClause(t)}
     select ${sourceProjection(t, move.idOffsets)} from ${source} s
      where s.${quoteIdent(t.tenantColumn)} = $4 and exists (select 1 from k where ${sourceKeyMatch(t)})`,
    [move.id, seqs, t.name, move.tenantId],
  );
}
