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

export type MoveAction =
  | { kind: "none" }
  | { kind: "wait"; message: string }
  | { kind: "copy"; to: string }
  | { kind: "hold" }
  | { kind: "switch"; afterMs: number }
  | { kind: "publish" }
  | { kind: "cleanup"; afterMs: number }
  | { kind: "rollback"; outcome: "RolledBack" | "Cancelled"; reason: string };

export interface MoveInputs {
  tenant: Tenant;
  /** Cell the tenant is placed in now. */
  placedCell: string;
  /** The tenant's unfinished move, if any. */
  move: MoveRecord | undefined;
  /** Schema name of a cell. */
  schemaOf(cell: string): string;
  targetReady: boolean;
  now: number;
}

export function decideMove(i: MoveInputs): MoveAction {
  const wanted = i.tenant.spec.cell && i.tenant.spec.cell !== i.placedCell ? i.tenant.spec.cell : undefined;
  const move = i.move;
  if (!move) {
    if (!wanted) return { kind: "none" };
    if (!i.targetReady) return { kind: "wait", message: `waiting for cell ${wanted} and its database to be ready` };
    return { kind: "copy", to: wanted };
  }
  if (move.phase === "Switched") {
    const cell = i.tenant.status?.cell;
    const published = cell !== undefined && i.schemaOf(cell) === move.targetSchema && i.tenant.status?.hold !== true;
    if (!published) return { kind: "publish" };
    const since = Date.parse(i.tenant.status?.move?.holdStartedAt ?? "") || (move.switchedAt?.getTime() ?? i.now);
    return { kind: "cleanup", afterMs: Math.max(0, since + CLEANUP_GRACE_MS - i.now) };
  }
  // Before the switch the source is authoritative: changing spec.cell back (or elsewhere) cancels.
  if (!wanted || i.schemaOf(wanted) !== move.targetSchema) {
    return { kind: "rollback", outcome: "Cancelled", reason: `spec.cell changed to ${i.tenant.spec.cell ?? "(none)"} before the switch` };
  }
  const holdStarted = Date.parse(i.tenant.status?.move?.holdStartedAt ?? "") || move.holdStartedAt?.getTime();
  if (holdStarted !== undefined && i.tenant.status?.hold === true && i.now - holdStarted > HOLD_LIMIT_MS) {
    return { kind: "rollback", outcome: "RolledBack", reason: `the hold lasted over ${HOLD_LIMIT_MS} ms without a switch (operator restarted?)` };
  }
  if (move.phase === "Copying") return { kind: "copy", to: wanted };
  if (move.phase === "CatchingUp" && i.tenant.status?.hold !== true) return { kind: "hold" };
  return { kind: "switch", afterMs: holdStarted === undefined ? 0 : Math.max(0, holdStarted + HOLD_SETTLE_MS - i.now) };
}
