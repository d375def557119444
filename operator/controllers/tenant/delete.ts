// Deleting a Tenant: its rows in the cell database are archived or deleted (spec.deletionPolicy),
// then the finalizer goes. Its slot frees itself (occupancy is counted from the Tenants); a
// dedicated cell is owned by the Tenant and follows it through the garbage collector.
import { TENANT_PLURAL, type Tenant } from "../../api/v1alpha1/index.js";
import { Finalizers } from "../../names.js";
import type { ReconcileResult } from "../../runtime/controller.js";
import type { OperatorContext } from "../context.js";
import { placedCell } from "../context.js";
import { endMoveBeforeDeletion } from "../move/end-before-deletion.js";
import { syncDedicatedCellPolicy } from "./dedicated-cell-policy.js";
import { forgetProvisioned } from "./provision.js";

export async function finalizeTenant(ctx: OperatorContext, tenant: Tenant): Promise<ReconcileResult> {
  if (!tenant.metadata.finalizers?.includes(Finalizers.tenantData)) return {};
  // A move in flight ends first; after its switch the rows are in the move's target cell.
  const cell = (await endMoveBeforeDeletion(ctx, tenant)) ?? placedCell(tenant);
  const mode = tenant.spec.deletionPolicy === "Delete" ? "delete" : "archive";
  // First the dedicated cell's policy (the garbage collector deletes that cell after the Tenant):
  // a policy changed just before the deletion may not have been reconciled yet.
  if (cell) await syncDedicatedCellPolicy(ctx, tenant, ctx.cells.get(cell));
  // A missing schema (cell dropped with deletionPolicy Delete) is a no-op in the provisioning contract.
  if (cell) await ctx.db.deprovisionTenant(cell, tenant.spec.slug, mode);
  const finalizers = (tenant.metadata.finalizers ?? []).filter((f) => f !== Finalizers.tenantData);
  await ctx.kube.mergePatch(TENANT_PLURAL, tenant.metadata.name, { metadata: { finalizers, resourceVersion: tenant.metadata.resourceVersion } });
  ctx.book.release(tenant.metadata.name);
  forgetProvisioned(tenant.metadata.uid);
  ctx.log.info({ tenant: tenant.metadata.name, cell, mode }, "Deprovisioned Tenant");
  ctx.record(tenant, "Normal", mode === "delete" ? "DataDeleted" : "DataArchived", `tenant data ${mode === "delete" ? "deleted" : "archived"} in cell ${cell ?? "(none)"}`);
  return {};
}
