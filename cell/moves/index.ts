// Moving a tenant between cells (issue 12), database side: copy its rows to the target cell's
// schema while it keeps serving, catch up captured changes, fence and verify, switch, clean up.
// Every phase is recorded in lsp_moves.moves so a crashed mover resumes or rolls back.
export { MovePhase, BEFORE_SWITCH, FINISHED, MoveNotFoundError, MovePhaseError, findMove, findActiveMove, findLastFinishedMove, freshMoveId, readMove, ensureMoveBookkeeping, type MoveRecord } from "./bookkeeping.js";
export { beginMove, MoveRequestError, type MoveRequest } from "./begin.js";
export { copyTenant, MoveIdRangeError } from "./copy.js";
export { catchUp, type CatchUpResult, type CatchUpOptions } from "./catch-up.js";
export { settleBeforeHold, SETTLED_BELOW, holdMove, finalSync, markSwitched, cleanupSource, rollbackMove, type SettleOptions, type SettleResult } from "./phases.js";
export { verifyMove, checkpointVerify, verifyChangedSinceCheckpoint, MoveVerificationError, type TableVerification } from "./verify.js";
export { captureTriggerCount } from "./capture.js";
export { MoveSchemaError } from "./tables.js";
export { moveTenant, MoveNotSettledError, type MoveHooks, type MoveOptions, type MoveReport } from "./run.js";
