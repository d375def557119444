// Row counts and checksums per table, source against target, each computed over the row as the
// target stores it. Meaningful only while the tenant's writes are fenced.
import type pg from "pg";
import { inTransaction, MOVES_SCHEMA, type MoveRecord } from "./bookkeeping.js";
import { sourceKeyMatch, sourceProjection, targetKeyMatch } from "./projection.js";
import { qualified, quoteIdent, tenantTables, type TenantTable } from "./tables.js";

export interface TableVerification {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
  matches: boolean;
}

export class MoveVerificationError extends Error {
  constructor(
    moveId: string,
    readonly mismatches: TableVerification[],
  ) {
    super(
      `move '${moveId}': target differs from source in ${mismatches
        .map((m) => `${m.table} (rows ${m.sourceRows} vs ${m.targetRows}, checksum ${m.sourceChecksum} vs ${m.targetChecksum})`)
        .join(", ")}`,
    );
    this.name = "MoveVerificationError";
  }
}

// Sum of the first 64 bits of each row's md5: order-independent, and numeric so it cannot overflow.
function checksumOf(select: string): string {
  return `select count(*)::int as n, coalesce(sum(('x' || left(md5(r::text), 16))::bit(64)::bigint::numeric), 0)::text as sum from (${select}) r`;
}

async function measure(admin: pg.ClientBase, select: string, params: unknown[]): Promise<{ n: number; sum: string }> {
  const { rows } = await admin.query<{ n: number; sum: string }>(checksumOf(select), params);
  return rows[0]!;
}

/**
 * Which rows a verification covers: all of the tenant's; all but the keys still queued (a first
 * checkpoint, taken while the tenant writes); the keys changed since the last checkpoint but not
 * queued now (a later checkpoint, much smaller); or only the keys changed since the last
 * checkpoint (inside the hold, once everything is applied).
 */
type Scope = "all" | "settled" | "settledSinceCheckpoint" | "changed";

// The keys are materialized once (each key once, however often it changed). `k`: the keys the
// scope is about; `u`: keys still queued (unapplied).
function scopeKeys(t: TenantTable, move: MoveRecord, scope: Scope): string {
  if (scope === "all") return "";
  const keys = (where: string) =>
    `select (jsonb_populate_record(null::${qualified(move.sourceSchema, t.name)}, d.key)).* from (select distinct c.key from ${MOVES_SCHEMA}.changes c where c.move_id = $2 and c.tbl = $3 and ${where}) d`;
  if (scope === "settledSinceCheckpoint") return `with k as materialized (${keys("not c.checked")}), u as materialized (${keys("not c.applied")}) `;
  return `with k as materialized (${keys(scope === "settled" ? "not c.applied" : "not c.checked")}) `;
}

/**
 * The rows of one side in scope, as `from … where …` over alias `s`. A scope of changed keys is
 * driven from the keys (a primary-key lookup each), so its cost follows the changes, not the
 * tenant's size; the others scan the tenant's rows (anti-joining the queued keys as a hash).
 */
function scopeRows(t: TenantTable, move: MoveRecord, side: "source" | "target", scope: Scope): string {
  const table = qualified(side === "source" ? move.sourceSchema : move.targetSchema, t.name);
  const tenant = `s.${quoteIdent(t.tenantColumn)} = $1`;
  const match = side === "source" ? sourceKeyMatch(t) : targetKeyMatch(t, move.idOffsets, "s");
  switch (scope) {
    case "all":
      return `from ${table} s where ${tenant}`;
    case "settled":
      return `from ${table} s where ${tenant} and not exists (select 1 from k where ${match})`;
    case "settledSinceCheckpoint":
      return `from k join ${table} s on ${match} where ${tenant} and not exists (select 1 from u k where ${match})`;
    case "changed":
      return `from k join ${table} s on ${match} where ${tenant}`;
  }
}

async function verifyScoped(admin: pg.ClientBase, move: MoveRecord, t: TenantTable, scope: Scope): Promise<TableVerification> {
  const params = scope === "all" ? [move.tenantId] : [move.tenantId, move.id, t.name];
  const keys = scopeKeys(t, move, scope);
  const source = await measure(admin, `${keys}select ${sourceProjection(t, move.idOffsets)} ${scopeRows(t, move, "source", scope)}`, params);
  const target = await measure(admin, `${keys}select ${sourceProjection(t, {})} ${scopeRows(t, move, "target", scope)}`, params);
  return {
    table: t.name,
    sourceRows: source.n,
    targetRows: target.n,
    sourceChecksum: source.sum,
    targetChecksum: target.sum,
    matches: source.n === target.n && source.sum === target.sum,
  };
}

/**
 * Comparison while the tenant still writes, outside the hold: in one snapshot, every row whose key
 * has no unapplied change queued must already be identical in the target (a replay commits
 * together with marking its entries applied). The first checkpoint covers every row; a later one
 * only the keys changed since the previous checkpoint. Marks the applied entries checked, so the
 * verification inside the hold only needs the keys changed after the last checkpoint — the later
 * checkpoints, each shorter than the one before, shrink that set.
 */
export async function checkpointVerify(admin: pg.ClientBase, move: MoveRecord): Promise<TableVerification[]> {
  const tables = await tenantTables(admin, move.sourceSchema);
  const scope: Scope = move.checkpointed ? "settledSinceCheckpoint" : "settled";
  const results = await inTransaction(
    admin,
    async () => {
      const out: TableVerification[] = [];
      for (const t of tables) out.push(await verifyScoped(admin, move, t, scope));
      if (out.every((r) => r.matches)) {
        // Only the newly checked: rewriting every entry at each checkpoint would bloat the queue the hold reads.
        await admin.query(`update ${MOVES_SCHEMA}.changes set checked = true where move_id = $1 and applied and not checked`, [move.id]);
        await admin.query(`update ${MOVES_SCHEMA}.moves set checkpointed = true, updated_at = now() where id = $1`, [move.id]);
      }
      return out;
    },
    "repeatable read",
  );
  const mismatches = results.filter((r) => !r.matches);
  if (mismatches.length > 0) throw new MoveVerificationError(move.id, mismatches);
  return results;
}

/** After a checkpoint, with writes fenced and every change applied: compare the rows changed since. */
export async function verifyChangedSinceCheckpoint(admin: pg.ClientBase, move: MoveRecord): Promise<TableVerification[]> {
  const tables = await tenantTables(admin, move.sourceSchema);
  const results: TableVerification[] = [];
  for (const t of tables) results.push(await verifyScoped(admin, move, t, "changed"));
  return results;
}

/** Every row of every table. */
export async function verifyMove(admin: pg.ClientBase, move: MoveRecord): Promise<TableVerification[]> {
  const tables = await tenantTables(admin, move.sourceSchema);
  const results: TableVerification[] = [];
  for (const t of tables) results.push(await verifyScoped(admin, move, t, "all"));
  return results;
}
