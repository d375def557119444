// Tenant reconciler: place → make sure the cell exists → provision in its database → status.
import { Finalizers } from "../../names.js";
import type { ReconcileResult } from "../../runtime/controller.js";
import type { OperatorContext } from "../context.js";
import { isCellReady } from "../context.js";
import { reconcileMove } from "../move/reconcile.js";
import { syncDedicatedCellPolicy } from "./dedicated-cell-policy.js";
import { finalizeTenant } from "./delete.js";
import { createCell, ensurePlaced, slugTaken } from "./placement.js";
import { ensureProvisioned } from "./provision.js";
import { desiredTenantStatus, writeTenantStatus } from "./status.js";

const INTERMEDIATE_STATUS_AFTER_MS = 15_000;

export async function reconcileTenant(ctx: OperatorContext, name: string): Promise<ReconcileResult> {
  const tenant = ctx.tenants.get(name);
  if (!tenant) {
    ctx.book.release(name);
    return {};
  }

  // Archive or delete its data once the Tenant is being deleted
  if (tenant.metadata.deletionTimestamp) return finalizeTenant(ctx, tenant);

  // Ensure it is placed in a cell (recorded with the finalizer before any data is written)
  const placement = slugTaken(ctx, tenant) ?? (await ensurePlaced(ctx, tenant));
  if ("wait" in placement) {
    await writeTenantStatus(ctx, tenant, desiredTenantStatus(ctx, tenant, { placement }));
    return { requeueAfterMs: 30_000 };
  }

  // Move it when spec.cell names another cell than the one it is placed in (operator/controllers/move)
  const moving = await reconcileMove(ctx, tenant, placement.cell);
  if (moving) return moving;

  // Ensure its cell exists: re-created from the template if it vanished (never for a pinned cell)
  const cell = ctx.cells.get(placement.cell);
  if (!cell && !tenant.spec.cell && tenant.metadata.finalizers?.includes(Finalizers.tenantData)) {
    await createCell(ctx, placement.cell, tenant.spec.isolation, tenant);
  }

  // Keep its own dedicated cell's deletion policy in step with its own
  await syncDedicatedCellPolicy(ctx, tenant, cell);

  // Ensure the tenant exists in the cell's database
  const provisioning = await ensureProvisioned(ctx, tenant, placement.cell, cell);

  // Record placement, provisioning and routability for the router. A young tenant whose only wait
  // is its cell starting skips the intermediate write: one status write instead of two in a burst.
  const waitingForCell = provisioning.done && !isCellReady(cell);
  const young = Date.now() - Date.parse(tenant.metadata.creationTimestamp ?? "") < INTERMEDIATE_STATUS_AFTER_MS;
  if (waitingForCell && young && !tenant.status?.conditions) return { requeueAfterMs: 2_000 };
  await writeTenantStatus(ctx, tenant, desiredTenantStatus(ctx, tenant, { placement, cell, provisioning }));
  // Cell events bring the tenant back when the cell becomes ready; the requeue is a safety net.
  return provisioning.done && isCellReady(cell) ? {} : { requeueAfterMs: 15_000 };
}
