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
 * Which rows a verification covers: all of the tenant's, all but the keys still queued (a
 * checkpoint taken while the tenant writes), or only the keys changed since the checkpoint.
 */
type Scope = "all" | "settled" | "changed";

// The keys are materialized once so the filter plans as a hash (anti-)join, not a scan of the
// queue per row.
function scopeKeys(t: TenantTable, move: MoveRecord, scope: Scope): string {
  if (scope === "all") return "";
  return `with k as materialized (select (jsonb_populate_record(null::${qualified(move.sourceSchema, t.name)}, c.key)).* from ${MOVES_SCHEMA}.changes c
     where c.move_id = $2 and c.tbl = $3 and ${scope === "settled" ? "not c.applied" : "not c.checked"}) `;
}

function scopeFilter(t: TenantTable, move: MoveRecord, side: "source" | "target", scope: Scope): string {
  if (scope === "all") return "";
  const match = side === "source" ? sourceKeyMatch(t) : targetKeyMatch(t, move.idOffsets, "s");
  return ` and ${scope === "settled" ? "not " : ""}exists (select 1 from k where ${match})`;
}

async function verifyScoped(admin: pg.ClientBase, move: MoveRecord, t: TenantTable, scope: Scope): Promise<TableVerification> {
  const where = `where s.${quoteIdent(t.tenantColumn)} = $1`;
  const params = scope === "all" ? [move.tenantId] : [move.tenantId, move.id, t.name];
  const source = await measure(admin, `${scopeKeys(t, move, scope)}select ${sourceProjection(t, move.idOffsets)} from ${qualified(move.sourceSchema, t.name)} s ${where}${scopeFilter(t, move, "source", scope)}`, params);
  const target = await measure(admin, `${scopeKeys(t, move, scope)}select ${sourceProjection(t, {})} from ${qualified(move.targetSchema, t.name)} s ${where}${scopeFilter(t, move, "target", scope)}`, params);
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
 * Full comparison while the tenant still writes, outside the hold: in one snapshot, every row
 * whose key has no unapplied change queued must already be identical in the target (a replay
 * commits together with marking its entries applied). Marks the applied entries checked, so the
 * verification inside the hold only needs the keys changed after this point.
 */
export async function checkpointVerify(admin: pg.ClientBase, move: MoveRecord): Promise<TableVerification[]> {
  const tables = await tenantTables(admin, move.sourceSchema);
  const results = await inTransaction(
    admin,
    async () => {
      const out: TableVerification[] = [];
      for (const t of tables) out.push(await verifyScoped(admin, move, t, "settled"));
      if (out.every((r) => r.matches)) {
        await admin.query(`update ${MOVES_SCHEMA}.changes set checked = true where move_id = $1 and applied`, [move.id]);
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
