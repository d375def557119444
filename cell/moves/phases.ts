// The phases after the copy: fence (Holding), final sync and verification (Verified), the switch
// commit point (Switched), and the two ways a move ends — cleanup of the source (Done) or undo of
// the target copy (RolledBack / Cancelled).
import type pg from "pg";
import { BEFORE_SWITCH, FINISHED, inTransaction, MovePhase, MovePhaseError, MOVES_SCHEMA, readMove, type MoveRecord } from "./bookkeeping.js";
import { removeCapture } from "./capture.js";
import { catchUp } from "./catch-up.js";
import { qualified, quoteIdent, tenantTables } from "./tables.js";
import { checkpointVerify, MoveVerificationError, verifyChangedSinceCheckpoint, verifyMove, type TableVerification } from "./verify.js";

export interface SettleOptions {
  /** Catch-up batches per pass (unbounded by default). */
  catchUpBatches?: number;
  /** Passes before giving up for this call (default 4). */
  maxPasses?: number;
  /** A pass that applied fewer changes than this settles the move (default 500). */
  settledBelow?: number;
}

export interface SettleResult {
  /** The last pass applied fewer than `settledBelow` changes: the hold will be short. */
  settled: boolean;
  passes: number;
  /** Changes the last pass applied: what the final sync inside the hold would face, roughly. */
  lastApplied: number;
}

/** Default for `settledBelow`: a final sync of a few hundred keys stays well under the 2 s hold target (docs/benchmarks/moves.md). */
export const SETTLED_BELOW = 500;

/**
 * Outside the hold, while the tenant keeps writing: catch-up rounds each followed by a checkpoint.
 * The first checkpoint compares every row and takes a while; each later one compares only the keys
 * changed during the previous pass, so passes shrink while the mover outpaces the writers, and the
 * hold is left with the keys changed during the last, short one. Stops once a pass found few
 * changes, or after `maxPasses` unsettled: a tenant writing faster than the mover applies. The
 * caller must not hold an unsettled move (the final sync would hold the tenant for seconds): it
 * settles again later, and meanwhile the passes keep the backlog applied.
 * Ends with the move still CatchingUp; a mismatch throws MoveVerificationError.
 */
export async function settleBeforeHold(admin: pg.ClientBase, moveId: string, options: SettleOptions = {}): Promise<SettleResult> {
  const { catchUpBatches = Number.POSITIVE_INFINITY, maxPasses = 4, settledBelow = SETTLED_BELOW } = options;
  let applied = 0;
  for (let pass = 0; pass < maxPasses; pass++) {
    ({ applied } = await catchUp(admin, moveId, { maxBatches: catchUpBatches }));
    await checkpointVerify(admin, await readMove(admin, moveId));
    if (pass > 0 && applied < settledBelow) return { settled: true, passes: pass + 1, lastApplied: applied };
  }
  return { settled: false, passes: maxPasses, lastApplied: applied };
}

/**
 * CatchingUp → Holding: refuse the tenant's writes at the source. The update waits for every
 * write already past the capture trigger's check (they hold the move row FOR SHARE), so once it
 * commits nothing more can change the tenant's rows in the source. Call it after the router holds
 * the tenant's requests, so no request meets the refusal.
 */
export async function holdMove(admin: pg.ClientBase, moveId: string, lockTimeoutMs = 5_000): Promise<MoveRecord> {
  await inTransaction(admin, async () => {
    const move = await readMove(admin, moveId, true);
    if (move.phase === MovePhase.Holding || move.phase === MovePhase.Verified) return;
    if (move.phase !== MovePhase.CatchingUp) throw new MovePhaseError(moveId, "hold", move.phase, [MovePhase.CatchingUp]);
    await admin.query(`set local lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    await admin.query(`update ${MOVES_SCHEMA}.moves set fenced = true, phase = $2, hold_started_at = now(), updated_at = now() where id = $1`, [moveId, MovePhase.Holding]);
  });
  return readMove(admin, moveId);
}

/** Holding → Verified: apply the last changes and compare every table (only rows changed since the checkpoint, if one passed). A mismatch throws and leaves the move Holding (roll it back). */
export async function finalSync(admin: pg.ClientBase, moveId: string): Promise<TableVerification[]> {
  const move = await readMove(admin, moveId);
  if (move.phase !== MovePhase.Holding && move.phase !== MovePhase.Verified) throw new MovePhaseError(moveId, "verify", move.phase, [MovePhase.Holding]);
  // Fenced: rounds drain the queue; the loop only guards against a round racing the fence's last writers.
  while ((await catchUp(admin, moveId)).remaining > 0);
  const checked = await readMove(admin, moveId);
  const results = checked.checkpointed ? await verifyChangedSinceCheckpoint(admin, checked) : await verifyMove(admin, checked);
  const mismatches = results.filter((r) => !r.matches);
  if (mismatches.length > 0) throw new MoveVerificationError(moveId, mismatches);
  await inTransaction(admin, async () => {
    const current = await readMove(admin, moveId, true);
    if (current.phase === MovePhase.Holding) await admin.query(`update ${MOVES_SCHEMA}.moves set phase = $2, updated_at = now() where id = $1`, [moveId, MovePhase.Verified]);
  });
  return results;
}

/**
 * Verified → Switched: the commit point. From here the target is authoritative and the move can
 * only go forward; record it before routing any request to the target.
 */
export async function markSwitched(admin: pg.ClientBase, moveId: string): Promise<MoveRecord> {
  await inTransaction(admin, async () => {
    const move = await readMove(admin, moveId, true);
    if (move.phase === MovePhase.Switched || move.phase === MovePhase.Done) return;
    if (move.phase !== MovePhase.Verified) throw new MovePhaseError(moveId, "switch", move.phase, [MovePhase.Verified]);
    await admin.query(`update ${MOVES_SCHEMA}.moves set phase = $2, switched_at = now(), updated_at = now() where id = $1`, [moveId, MovePhase.Switched]);
  });
  return readMove(admin, moveId);
}

/**
 * Switched → Done: remove the source copy, then the capture triggers. The rows go first, in
 * replica mode (the fence's triggers do not fire there), so the source stays fenced until it
 * holds nothing of the tenant. Each step is its own short transaction: the delete takes only row
 * locks, and the trigger drop (a table lock other tenants would queue behind) is quick. Idempotent.
 */
export async function cleanupSource(admin: pg.ClientBase, moveId: string): Promise<MoveRecord> {
  const initial = await readMove(admin, moveId);
  if (initial.phase !== MovePhase.Switched && initial.phase !== MovePhase.Done) {
    throw new MovePhaseError(moveId, "clean up the source", initial.phase, [MovePhase.Switched]);
  }
  const tables = await tenantTables(admin, initial.sourceSchema);
  if (initial.phase === MovePhase.Switched) {
    await inTransaction(admin, async () => {
      const move = await readMove(admin, moveId, true);
      if (move.phase !== MovePhase.Switched) return;
      await deleteTenantRows(admin, move.sourceSchema, move.tenantId, tables);
      await admin.query(`delete from ${MOVES_SCHEMA}.changes where move_id = $1`, [moveId]);
      await admin.query(`update ${MOVES_SCHEMA}.moves set phase = $2, updated_at = now() where id = $1`, [moveId, MovePhase.Done]);
    });
  }
  // Still fenced until the triggers go, and nothing of the tenant is left to protect by then.
  await removeCapture(admin, moveId, initial.sourceSchema, tables);
  await admin.query(`delete from ${MOVES_SCHEMA}.changes where move_id = $1`, [moveId]);
  return readMove(admin, moveId);
}

/**
 * Any phase before Switched → RolledBack or Cancelled: the source is still authoritative and has
 * every write, so undoing means lifting the fence, dropping the capture and the target copy. The
 * outcome is recorded first, so a crash can never resume a move whose capture was removed; the
 * rest is repeated on every call, so a crash part-way is repaired by calling again.
 */
export async function rollbackMove(
  admin: pg.ClientBase,
  moveId: string,
  reason: string,
  outcome: typeof MovePhase.RolledBack | typeof MovePhase.Cancelled = MovePhase.RolledBack,
): Promise<MoveRecord> {
  const initial = await readMove(admin, moveId);
  if (!FINISHED.includes(initial.phase) && !BEFORE_SWITCH.includes(initial.phase)) throw new MovePhaseError(moveId, "roll back", initial.phase, BEFORE_SWITCH);
  if (initial.phase === MovePhase.Done) throw new MovePhaseError(moveId, "roll back", initial.phase, BEFORE_SWITCH);
  const tables = await tenantTables(admin, initial.sourceSchema);
  await inTransaction(admin, async () => {
    const move = await readMove(admin, moveId, true);
    if (!BEFORE_SWITCH.includes(move.phase)) return;
    await admin.query(`update ${MOVES_SCHEMA}.moves set phase = $2, fenced = false, error = $3, updated_at = now() where id = $1`, [moveId, outcome, reason]);
  });
  await removeCapture(admin, moveId, initial.sourceSchema, tables);
  await admin.query(`delete from ${MOVES_SCHEMA}.changes where move_id = $1`, [moveId]);
  await inTransaction(admin, async () => {
    // A later move of the tenant into the same cell owns those rows now (this call repeats an old
    // rollback): leave them alone. Earlier moves into that cell do not count: the tenant left it since.
    const later = await admin.query(
      `select 1 from ${MOVES_SCHEMA}.moves m where m.tenant_id = $1 and m.target_schema = $2 and m.id <> $3 and m.phase not in ('RolledBack', 'Cancelled')
          and m.created_at > (select created_at from ${MOVES_SCHEMA}.moves where id = $3)`,
      [initial.tenantId, initial.targetSchema, moveId],
    );
    if (later.rowCount === 0) await deleteTenantRows(admin, initial.targetSchema, initial.tenantId, tables);
  });
  return readMove(admin, moveId);
}

// Replica mode: no foreign-key or aggregate triggers, so tables can be emptied in any order.
async function deleteTenantRows(admin: pg.ClientBase, schema: string, tenantId: string, tables: { name: string; tenantColumn: string }[]): Promise<void> {
  await admin.query("set local session_replication_role = replica");
  for (const t of tables) {
    await admin.query(`delete from ${qualified(schema, t.name)} where ${quoteIdent(t.tenantColumn)} = $1`, [tenantId]);
  }
  await admin.query("set local session_replication_role = origin");
}
