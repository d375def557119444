// What the move controller does next for one Tenant, decided from the Tenant and the move row in
// the platform database (the source of truth: it survives an operator crash). Pure, so every
// crash point can be tested as a plain input.
import type { Tenant } from "../../api/v1alpha1/index.js";
import type { MoveRecord } from "../../../cell/moves/index.js";

/** How long the router gets to apply status.hold before the source is fenced. */
export const HOLD_SETTLE_MS = 500;
/** The router gives up on a held request after 5 s (--hold-timeout); a hold older than this is abandoned. */
export const HOLD_LIMIT_MS = 4_000;
/** Time the source copy is kept after the switch (requests already in flight drain; an operator can inspect). */
export const CLEANUP_GRACE_MS = 10_000;
/** A move that rolled back is tried again after this long, not at once: a persistent failure must not loop hot. */
export const RETRY_AFTER_ROLLBACK_MS = 30_000;

const ENDED: readonly string[] = ["Done", "RolledBack", "Cancelled"];

export type MoveAction =
  | { kind: "none" }
  | { kind: "wait"; message: string; afterMs: number; retry?: boolean }
  | { kind: "copy"; to: string }
  | { kind: "hold" }
  | { kind: "switch"; afterMs: number }
  | { kind: "publish" }
  | { kind: "cleanup"; afterMs: number }
  | { kind: "rollback"; outcome: "RolledBack" | "Cancelled"; reason: string }
  | { kind: "finish"; move: MoveRecord };

export interface MoveInputs {
  tenant: Tenant;
  /** Cell the tenant is placed in now. */
  placedCell: string;
  /** Cell the tenant should be in: spec.cell, or the dedicated cell of a tenant made dedicated (see destination.ts). */
  destination: string | undefined;
  /** The tenant's unfinished move, if any. */
  move: MoveRecord | undefined;
  /** The tenant's last move that ended, if any. */
  lastMove?: MoveRecord;
  /** Schema name of a cell. */
  schemaOf(cell: string): string;
  targetReady: boolean;
  now: number;
}

export function decideMove(i: MoveInputs): MoveAction {
  const wanted = i.destination && i.destination !== i.placedCell ? i.destination : undefined;
  const move = i.move;
  // The operator died between ending the move in the database and finishing up (capture triggers, status): finish.
  const shown = i.tenant.status?.move;
  if (!move && shown && i.lastMove?.id === shown.id && !ENDED.includes(shown.phase)) return { kind: "finish", move: i.lastMove };
  if (!move) {
    if (!wanted) return { kind: "none" };
    if (!i.targetReady) return { kind: "wait", message: `waiting for cell ${wanted} and its database to be ready`, afterMs: 10_000 };
    const last = i.lastMove;
    if (last?.phase === "RolledBack" && last.targetSchema === i.schemaOf(wanted)) {
      const retryAt = last.updatedAt.getTime() + RETRY_AFTER_ROLLBACK_MS;
      if (retryAt > i.now) {
        return { kind: "wait", retry: true, afterMs: retryAt - i.now, message: `rolled back (${last.error ?? "no reason recorded"}); trying again at ${new Date(retryAt).toISOString()}` };
      }
    }
    return { kind: "copy", to: wanted };
  }
  if (move.phase === "Switched") {
    const cell = i.tenant.status?.cell;
    // Route (status) and placement (the cell label) both name the target: a crash between the two writes republishes.
    const published = cell !== undefined && i.schemaOf(cell) === move.targetSchema && i.schemaOf(i.placedCell) === move.targetSchema && i.tenant.status?.hold !== true;
    if (!published) return { kind: "publish" };
    const since = Date.parse(i.tenant.status?.move?.holdStartedAt ?? "") || (move.switchedAt?.getTime() ?? i.now);
    return { kind: "cleanup", afterMs: Math.max(0, since + CLEANUP_GRACE_MS - i.now) };
  }
  // Before the switch the source is authoritative: changing spec.cell back (or elsewhere) cancels.
  if (!wanted || i.schemaOf(wanted) !== move.targetSchema) {
    return { kind: "rollback", outcome: "Cancelled", reason: `spec.cell changed to ${wanted ?? i.tenant.spec.cell ?? "(none)"} before the switch` };
  }
  const holdStarted = Date.parse(i.tenant.status?.move?.holdStartedAt ?? "") || move.holdStartedAt?.getTime();
  if (holdStarted !== undefined && i.tenant.status?.hold === true && i.now - holdStarted > HOLD_LIMIT_MS) {
    return { kind: "rollback", outcome: "RolledBack", reason: `the hold lasted over ${HOLD_LIMIT_MS} ms without a switch (operator restarted?)` };
  }
  if (move.phase === "Copying") return { kind: "copy", to: wanted };
  if (move.phase === "CatchingUp" && i.tenant.status?.hold !== true) return { kind: "hold" };
  return { kind: "switch", afterMs: holdStarted === undefined ? 0 : Math.max(0, holdStarted + HOLD_SETTLE_MS - i.now) };
}
