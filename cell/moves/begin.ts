// Phase 0 → Copying: record the move, reserve id ranges in the target, start capturing changes.
import type pg from "pg";
import { ensureMoveBookkeeping, findMove, inTransaction, MovePhase, MOVES_SCHEMA, readMove, type MoveRecord } from "./bookkeeping.js";
import { installCapture } from "./capture.js";
import { retryOnLockTimeout } from "./locks.js";
import { assertSameShape, qualified, quoteIdent, tenantTables } from "./tables.js";

export interface MoveRequest {
  /** Stable id chosen by the caller (the operator uses the Tenant's uid and generation): beginning twice is a no-op. */
  moveId: string;
  tenantId: string;
  sourceSchema: string;
  targetSchema: string;
}

/**
 * Ids the source may hand out while the move runs and still fit the range reserved in the target.
 * A billion audit-log or outbox rows in one move is far beyond any tenant; exceeding it fails the move.
 */
const ID_HEADROOM = 1_000_000_000n;

export class MoveRequestError extends Error {
  constructor(field: keyof MoveRequest, message: string) {
    super(`${field}: ${message}`);
    this.name = "MoveRequestError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function beginMove(admin: pg.ClientBase, request: MoveRequest): Promise<MoveRecord> {
  const { moveId, tenantId, sourceSchema, targetSchema } = request;
  if (!moveId || moveId.length > 200) throw new MoveRequestError("moveId", "must be 1-200 characters");
  if (!UUID.test(tenantId)) throw new MoveRequestError("tenantId", `'${tenantId}' is not a uuid`);
  if (sourceSchema === targetSchema) throw new MoveRequestError("targetSchema", `is the source schema ${sourceSchema}: a tenant cannot move to the cell it is in`);
  await ensureMoveBookkeeping(admin);

  const existing = await findMove(admin, moveId);
  if (existing) {
    if (existing.tenantId !== tenantId || existing.sourceSchema !== sourceSchema || existing.targetSchema !== targetSchema) {
      throw new MoveRequestError("moveId", `'${moveId}' already names a move of tenant ${existing.tenantId} from ${existing.sourceSchema} to ${existing.targetSchema}`);
    }
    // A crash between recording the move and the last trigger leaves some tables uncaptured.
    if (existing.phase === MovePhase.Copying) await installCapture(admin, moveId, tenantId, sourceSchema, await tenantTables(admin, sourceSchema));
    return existing;
  }

  const sourceTables = await tenantTables(admin, sourceSchema);
  const targetTables = await tenantTables(admin, targetSchema);
  assertSameShape(sourceTables, targetTables, sourceSchema, targetSchema);

  await retryOnLockTimeout(() =>
    inTransaction(admin, async () => {
      // setval takes no table lock; the bound only matters if a migration holds the sequence.
      await admin.query("set local lock_timeout = '200ms'");
      const present = await admin.query<{ slug: string }>(`select slug from ${qualified(sourceSchema, "tenants")} where id = $1`, [tenantId]);
      if (present.rowCount === 0) throw new MoveRequestError("tenantId", `tenant ${tenantId} is not in ${sourceSchema}`);
      const slug = present.rows[0]!.slug;
      const clash = await admin.query(`select id from ${qualified(targetSchema, "tenants")} where id = $1 or slug = $2`, [tenantId, slug]);
      if (clash.rowCount !== 0) {
        throw new MoveRequestError("targetSchema", `${targetSchema} already has a tenant with id ${tenantId} or slug '${slug}': remove it before moving this tenant there`);
      }
      const offsets: Record<string, string> = {};
      const limits: Record<string, string> = {};
      for (const t of sourceTables.filter((t) => t.identity && t.identitySequence)) {
        const target = targetTables.find((x) => x.name === t.name)!;
        const col = quoteIdent(t.identity!);
        const { rows } = await admin.query<{ target_top: string; source_top: string }>(
          `select greatest((select coalesce(max(${col}), 0) from ${qualified(targetSchema, t.name)}), (select coalesce(last_value, 0) from pg_sequences where format('%I.%I', schemaname, sequencename) = $1))::text as target_top,
                  greatest((select coalesce(max(${col}), 0) from ${qualified(sourceSchema, t.name)}), (select coalesce(last_value, 0) from pg_sequences where format('%I.%I', schemaname, sequencename) = $2))::text as source_top`,
          [target.identitySequence, t.identitySequence],
        );
        const offset = BigInt(rows[0]!.target_top);
        const limit = BigInt(rows[0]!.source_top) + ID_HEADROOM;
        offsets[t.name] = offset.toString();
        limits[t.name] = limit.toString();
        // The target's own tenants continue above the reserved range.
        await admin.query("select setval($1, $2)", [target.identitySequence, (offset + limit).toString()]);
      }
      await admin.query(
        `insert into ${MOVES_SCHEMA}.moves (id, tenant_id, source_schema, target_schema, phase, id_offsets, id_limits) values ($1, $2, $3, $4, $5, $6, $7)`,
        [moveId, tenantId, sourceSchema, targetSchema, MovePhase.Copying, JSON.stringify(offsets), JSON.stringify(limits)],
      );
    }),
  );
  await installCapture(admin, moveId, tenantId, sourceSchema, sourceTables);
  return readMove(admin, moveId);
}
