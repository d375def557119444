// Row counts and checksums per table, source against target, each computed over the row as the
// target stores it. Meaningful only while the tenant's writes are fenced.
import type pg from "pg";
import type { MoveRecord } from "./bookkeeping.js";
import { sourceProjection } from "./projection.js";
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

async function measure(admin: pg.ClientBase, select: string, tenantId: string): Promise<{ n: number; sum: string }> {
  const { rows } = await admin.query<{ n: number; sum: string }>(checksumOf(select), [tenantId]);
  return rows[0]!;
}

export async function verifyTable(admin: pg.ClientBase, move: MoveRecord, t: TenantTable): Promise<TableVerification> {
  const where = `where s.${quoteIdent(t.tenantColumn)} = $1`;
  const source = await measure(admin, `select ${sourceProjection(t, move.idOffsets)} from ${qualified(move.sourceSchema, t.name)} s ${where}`, move.tenantId);
  const target = await measure(admin, `select ${sourceProjection(t, {})} from ${qualified(move.targetSchema, t.name)} s ${where}`, move.tenantId);
  return {
    table: t.name,
    sourceRows: source.n,
    targetRows: target.n,
    sourceChecksum: source.sum,
    targetChecksum: target.sum,
    matches: source.n === target.n && source.sum === target.sum,
  };
}

export async function verifyMove(admin: pg.ClientBase, move: MoveRecord): Promise<TableVerification[]> {
  const tables = await tenantTables(admin, move.sourceSchema);
  const results: TableVerification[] = [];
  for (const t of tables) results.push(await verifyTable(admin, move, t));
  return results;
}
