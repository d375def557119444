// Move controller: carries a Tenant from the cell it is placed in to the one spec.cell names,
// one guarded step per reconcile. The platform database's move row decides where a restarted
// operator resumes; the Tenant's status.move shows the phase and status.hold drives the router.
import type pg from "pg";
import { TENANT_PLURAL, type Tenant, type TenantMovePhase, type TenantMoveStatus } from "../../api/v1alpha1/index.js";
import {
  beginMove,
  catchUp,
  cellDatabaseNames,
  cleanupSource,
  copyTenant,
  findActiveMove,
  findLastFinishedMove,
  finalSync,
  freshMoveId,
  holdMove,
  markSwitched,
  rollbackMove,
  settleBeforeHold,
  type MoveRecord,
} from "./cell.js";
import { cellApiEndpoint, dedicatedCellName, Labels } from "../../names.js";
import type { ReconcileResult } from "../../runtime/controller.js";
import type { OperatorContext } from "../context.js";
import { isMoveTargetReady } from "../context.js";
import { writeTenantStatus } from "../tenant/status.js";
import { decideMove, type MoveAction } from "./decide.js";
import { withMoveClient } from "./database.js";
import { moveDestination } from "./destination.js";

const WAITING_TO_HOLD = "waiting to hold";
/** A move that did not settle tries again after this long (each try applies the backlog, so it does not grow). */
const SETTLE_RETRY_MS = 5_000;

/**
 * Returns undefined when the tenant has no move to make (the tenant reconcile carries on), or the
 * result of this reconcile's move step.
 */
export async function reconcileMove(ctx: OperatorContext, tenant: Tenant, placedCell: string): Promise<ReconcileResult | undefined> {
  const tenantId = tenant.status?.tenantId;
  if (!tenantId) return undefined;
  const destination = await moveDestination(ctx, tenant, placedCell);
  if ("wait" in destination) {
    await setMove(ctx, tenant, { id: "", phase: "Pending", from: placedCell, to: "", message: destination.wait });
    return { requeueAfterMs: 30_000 };
  }
  const wanted = destination.cell && destination.cell !== placedCell ? destination.cell : undefined;
  if (!wanted && !tenant.status?.move) return undefined;
  return withMoveClient(ctx.db.url, async (admin) => {
    const move = await findActiveMove(admin, tenantId);
    const target = wanted ? ctx.cells.get(wanted) : undefined;
    const action = decideMove({
      tenant,
      placedCell,
      destination: destination.cell,
      move,
      lastMove: move ? undefined : await findLastFinishedMove(admin, tenantId),
      schemaOf: (cell) => cellDatabaseNames(cell).schema,
      targetReady: isMoveTargetReady(target),
      now: Date.now(),
    });
    if (action.kind === "none") return undefined;
    try {
      return await step(ctx, admin, tenant, placedCell, tenantId, move, action, wanted);
    } catch (error) {
      return failed(ctx, admin, tenant, tenantId, error);
    }
  });
}

async function step(
  ctx: OperatorContext,
  admin: pg.ClientBase,
  tenant: Tenant,
  placedCell: string,
  tenantId: string,
  move: MoveRecord | undefined,
  action: MoveAction,
  wanted: string | undefined,
): Promise<ReconcileResult> {
  const name = tenant.metadata.name;
  switch (action.kind) {
    // Target not ready, or a rolled-back move waiting for its retry (its outcome stays visible meanwhile)
    case "wait": {
      const last = tenant.status?.move;
      const shown = action.retry && last ? { ...last, message: action.message } : { id: "", phase: "Pending" as const, from: placedCell, to: wanted ?? "", message: action.message };
      await setMove(ctx, tenant, shown);
      return { requeueAfterMs: action.afterMs };
    }
    // Copy the tenant's rows while it keeps serving, then catch up what changed meanwhile
    case "copy": {
      const moveId = move?.id ?? (await freshMoveId(admin, `${tenant.metadata.uid ?? name}/${tenant.metadata.generation ?? 0}`));
      const from = cellDatabaseNames(placedCell).schema;
      const to = cellDatabaseNames(action.to).schema;
      const base = { id: moveId, from: placedCell, to: action.to, startedAt: tenant.status?.move?.startedAt ?? new Date().toISOString() };
      const t = await setMove(ctx, tenant, { ...base, phase: "Copying" });
      ctx.record(tenant, "Normal", "MoveCopying", `copying the tenant's rows from cell ${placedCell} to ${action.to}`);
      await beginMove(admin, { moveId, tenantId, sourceSchema: from, targetSchema: to });
      const copied = await copyTenant(admin, moveId);
      const { applied } = await catchUp(admin, moveId, { maxBatches: 20 });
      const rows = Object.values(copied).reduce((a, b) => a + b, 0);
      ctx.log.info({ tenant: name, from: placedCell, to: action.to, rows, applied }, "Copied Tenant rows");
      await setMove(ctx, t, { ...base, phase: "CatchingUp", message: `copied ${rows} rows; catching up` });
      return { requeueAfterMs: 100 };
    }
    // Ask the router to hold the tenant's requests; the fence follows once it has had time to apply
    case "hold": {
      // The comparisons run here, while the tenant is still served; the hold re-checks only what changes after them.
      const settledBelow = ctx.config.moveSettledBelow;
      const settle = await settleBeforeHold(admin, move!.id, { catchUpBatches: 20, settledBelow });
      // Admission: a pass that still applied many changes means a long final sync inside the hold.
      // Keep the tenant served and settle again shortly; the passes keep the backlog applied.
      if (!settle.settled) {
        const message = `${WAITING_TO_HOLD}: the last catch-up pass applied ${settle.lastApplied} changes (the hold starts below ${settledBelow}); the tenant writes faster than the move applies`;
        const shown = moveStatus(tenant, move!);
        if (!shown.message?.startsWith(WAITING_TO_HOLD)) ctx.record(tenant, "Warning", "MoveNotSettled", `${message}; retrying every ${SETTLE_RETRY_MS / 1000} s`);
        await setMove(ctx, tenant, { ...shown, phase: "CatchingUp", message });
        return { requeueAfterMs: SETTLE_RETRY_MS };
      }
      await setMove(ctx, tenant, { ...moveStatus(tenant, move!), phase: "Holding", holdStartedAt: new Date().toISOString() }, true);
      ctx.record(tenant, "Normal", "MoveHolding", "holding the tenant's requests at the router for the switch");
      return { requeueAfterMs: 500 };
    }
    // Fence the source, apply the last changes, verify every table, commit the switch
    case "switch": {
      if (action.afterMs > 0) return { requeueAfterMs: action.afterMs };
      await holdMove(admin, move!.id);
      const t = await setMove(ctx, tenant, { ...moveStatus(tenant, move!), phase: "Verifying" }, true);
      const verification = await finalSync(admin, move!.id);
      await markSwitched(admin, move!.id);
      ctx.record(tenant, "Normal", "MoveVerified", `row counts and checksums match in ${verification.length} tables`);
      return publish(ctx, t, move!);
    }
    // Point the route at the target cell and release the held requests there
    case "publish":
      return publish(ctx, tenant, move!);
    // Remove the source copy after the grace period
    case "cleanup": {
      if (action.afterMs > 0) return { requeueAfterMs: action.afterMs };
      let t = await setMove(ctx, tenant, { ...moveStatus(tenant, move!), phase: "CleaningUp" });
      await cleanupSource(admin, move!.id);
      t = await setMove(ctx, t, { ...moveStatus(t, move!), phase: "Done", message: "moved; the source copy is removed" });
      ctx.record(tenant, "Normal", "MoveDone", `moved to cell ${t.status?.move?.to}`);
      return { requeueAfterMs: 100 };
    }
    case "rollback": {
      const ended = await rollbackMove(admin, move!.id, action.reason, action.outcome);
      await endMove(ctx, tenant, ended.phase as TenantMovePhase, action.reason);
      return { requeueAfterMs: 1_000 };
    }
    // Repeat the idempotent end of a move the database records as ended, then show it ended
    case "finish": {
      const { move: ended } = action;
      if (ended.phase === "Done") {
        await cleanupSource(admin, ended.id);
        await setMove(ctx, tenant, { ...moveStatus(tenant, ended), phase: "Done", message: "moved; the source copy is removed" });
        ctx.record(tenant, "Normal", "MoveDone", `moved to cell ${tenant.status?.move?.to}`);
      } else {
        const outcome = ended.phase === "Cancelled" ? "Cancelled" : "RolledBack";
        const reason = ended.error ?? "ended before an operator restart";
        await rollbackMove(admin, ended.id, reason, outcome);
        await endMove(ctx, tenant, outcome, reason);
      }
      return { requeueAfterMs: 1_000 };
    }
    case "none":
      return {};
  }
}

/** status.move as recorded, or rebuilt from the database row when the status lost it. */
function moveStatus(tenant: Tenant, move: MoveRecord): TenantMoveStatus {
  return tenant.status?.move?.id === move.id ? tenant.status.move : { id: move.id, phase: "CatchingUp", from: tenant.status?.cell ?? "", to: cellOfSchema(move.targetSchema, tenant) };
}

/** The cell whose schema is `schema`: the one status.move or spec.cell names, else read from the schema name. */
export function cellOfSchema(schema: string, tenant: Tenant): string {
  const known = [tenant.status?.move?.to, tenant.spec.cell, dedicatedCellName(tenant.spec.slug)].find((c) => c && cellDatabaseNames(c).schema === schema);
  return known ?? schema.replace(/^cell_/, "").replaceAll("_", "-");
}

async function publish(ctx: OperatorContext, tenant: Tenant, move: MoveRecord): Promise<ReconcileResult> {
  const to = tenant.status?.move?.to || cellOfSchema(move.targetSchema, tenant);
  const target = ctx.cells.get(to);
  await writeTenantStatus(ctx, tenant, {
    ...tenant.status,
    cell: to,
    endpoint: target?.status?.endpoint ?? cellApiEndpoint(to, ctx.config.clusterDomain),
    hold: false,
    move: { ...moveStatus(tenant, move), phase: "Switched", message: `serving from cell ${to}` },
  });
  await ctx.kube.mergePatch(TENANT_PLURAL, tenant.metadata.name, { metadata: { labels: { [Labels.cell]: to } } });
  ctx.record(tenant, "Normal", "MoveSwitched", `switched to cell ${to}; held requests released there`);
  return { requeueAfterMs: 1_000 };
}

async function failed(ctx: OperatorContext, admin: pg.ClientBase, tenant: Tenant, tenantId: string, error: unknown): Promise<ReconcileResult> {
  const message = error instanceof Error ? error.message : String(error);
  const move = await findActiveMove(admin, tenantId);
  if (move && move.phase !== "Switched") {
    const ended = await rollbackMove(admin, move.id, message);
    await endMove(ctx, tenant, ended.phase as TenantMovePhase, message);
    return { requeueAfterMs: 30_000 };
  }
  // After the switch the move only goes forward: retry the step.
  ctx.log.warn({ tenant: tenant.metadata.name, err: message }, "Move step failed after the switch; retrying");
  return { requeueAfterMs: 5_000 };
}

async function endMove(ctx: OperatorContext, tenant: Tenant, phase: TenantMovePhase, reason: string): Promise<void> {
  await writeTenantStatus(ctx, tenant, { ...tenant.status, hold: false, move: { ...(tenant.status?.move ?? { id: "", from: "", to: "" }), phase, message: reason } });
  ctx.record(tenant, "Warning", phase === "Cancelled" ? "MoveCancelled" : "MoveRolledBack", `${reason}; the tenant stays in its cell with nothing lost`);
}

/** Writes status.move (and hold); returns the tenant as it now is, for the next write of the same step. */
async function setMove(ctx: OperatorContext, tenant: Tenant, move: TenantMoveStatus, hold = tenant.status?.hold === true): Promise<Tenant> {
  const status = { ...tenant.status, hold, move };
  await writeTenantStatus(ctx, tenant, status);
  return { ...tenant, status };
}
