// A whole move in one call, for callers without a control loop of their own (the local platform,
// the benchmark, tests). The operator drives the same phase functions one reconcile at a time.
import type pg from "pg";
import { BEFORE_SWITCH, MovePhase, readMove, type MoveRecord } from "./bookkeeping.js";
import { beginMove, type MoveRequest } from "./begin.js";
import { catchUp } from "./catch-up.js";
import { copyTenant } from "./copy.js";
import { cleanupSource, finalSync, holdMove, markSwitched, rollbackMove, settleBeforeHold, type SettleResult } from "./phases.js";
import type { TableVerification } from "./verify.js";

export interface MoveHooks {
  /** Make the router hold the tenant's requests; resolves once it does. */
  hold(): Promise<void>;
  /** Point the tenant's route at the target cell and release held requests there. */
  switchRoute(): Promise<void>;
  /** Release held requests to the source cell after a rollback. */
  release(): Promise<void>;
  /** Wait between the switch and removing the source copy (the grace period). */
  beforeCleanup?(): Promise<void>;
}

export interface MoveReport {
  move: MoveRecord;
  copiedRows: Record<string, number>;
  verification: TableVerification[];
  /** From asking the router to hold until the route points at the target. */
  holdMs: number;
  /** Where the hold went, ms: the router holding (in-flight requests finishing), the fence, the last catch-up with verification, the commit point, the route switch. */
  holdParts: { routerHold: number; fence: number; finalSync: number; markSwitched: number; switchRoute: number };
  totalMs: number;
}

export interface MoveOptions {
  /** A catch-up pass that applied fewer changes than this lets the hold start (default 500). */
  settledBelow?: number;
  /** How long to keep settling before giving up on a tenant that writes faster than the mover applies (default 60 s). */
  settleBudgetMs?: number;
}

/** The tenant kept writing faster than the mover applies: no hold was started, and the move rolled back. */
export class MoveNotSettledError extends Error {
  constructor(
    readonly moveId: string,
    readonly last: SettleResult,
    budgetMs: number,
  ) {
    super(`move '${moveId}' did not settle within ${budgetMs} ms: the last catch-up pass still applied ${last.lastApplied} changes, so a hold now would last seconds; not holding (try again when the tenant writes less)`);
    this.name = "MoveNotSettledError";
  }
}

/** Catch-up rounds before holding: each round shrinks the backlog the hold must apply. */
const CATCH_UP_ROUNDS = 3;
const SETTLE_BUDGET_MS = 60_000;

export async function moveTenant(admin: pg.ClientBase, request: MoveRequest, hooks: MoveHooks, options: MoveOptions = {}): Promise<MoveReport> {
  const started = performance.now();
  await beginMove(admin, request);
  let holdStarted: number | undefined;
  let verification: TableVerification[];
  let copiedRows: Record<string, number>;
  const holdParts = { routerHold: 0, fence: 0, finalSync: 0, markSwitched: 0, switchRoute: 0 };
  let lapStart = 0;
  const lap = (part: keyof typeof holdParts) => {
    const now = performance.now();
    holdParts[part] = Math.round(now - (lapStart || holdStarted!));
    lapStart = now;
  };
  try {
    copiedRows = await copyTenant(admin, request.moveId);
    for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
      const { applied } = await catchUp(admin, request.moveId);
      if (applied === 0) break;
    }
    // Admission: hold only once the passes settle, so the final sync inside the hold is short.
    const budgetMs = options.settleBudgetMs ?? SETTLE_BUDGET_MS;
    const settleUntil = performance.now() + budgetMs;
    for (;;) {
      const settle = await settleBeforeHold(admin, request.moveId, { settledBelow: options.settledBelow });
      if (settle.settled) break;
      if (performance.now() >= settleUntil) throw new MoveNotSettledError(request.moveId, settle, budgetMs);
    }
    holdStarted = performance.now();
    await hooks.hold();
    lap("routerHold");
    await holdMove(admin, request.moveId);
    lap("fence");
    verification = await finalSync(admin, request.moveId);
    lap("finalSync");
    await markSwitched(admin, request.moveId);
    lap("markSwitched");
  } catch (error) {
    const move = await readMove(admin, request.moveId);
    if (BEFORE_SWITCH.includes(move.phase)) {
      await rollbackMove(admin, request.moveId, error instanceof Error ? error.message : String(error));
      if (holdStarted !== undefined) await hooks.release();
    }
    throw error;
  }
  await hooks.switchRoute();
  lap("switchRoute");
  const holdMs = performance.now() - holdStarted;
  await hooks.beforeCleanup?.();
  const move = await cleanupSource(admin, request.moveId);
  if (move.phase !== MovePhase.Done) throw new Error(`move '${request.moveId}' ended in ${move.phase}`);
  return { move, copiedRows, verification, holdMs, holdParts, totalMs: performance.now() - started };
}
