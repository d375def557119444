// A dedicated cell's data policy follows its Tenant's. The cell is made with the Tenant's
// deletionPolicy, but the Tenant's can change later; when the Tenant is deleted, the garbage
// collector deletes the cell, whose own policy then decides the schema's fate. Left as made,
// Delete→Archive would archive the rows and then drop the schema they were archived in.
import { CELL_PLURAL, type Cell, type Tenant } from "../../api/v1alpha1/index.js";
import type { OperatorContext } from "../context.js";

export function dedicatedCellPolicy(tenant: Tenant): Cell["spec"]["deletionPolicy"] {
  return tenant.spec.deletionPolicy === "Delete" ? "Delete" : "Retain";
}

/** Patches the Tenant's own dedicated cell when its policy differs; other cells are left alone. */
export async function syncDedicatedCellPolicy(ctx: OperatorContext, tenant: Tenant, cell: Cell | undefined): Promise<void> {
  if (!cell || cell.spec.class !== "dedicated") return;
  if (!cell.metadata.ownerReferences?.some((r) => r.kind === "Tenant" && r.uid === tenant.metadata.uid)) return;
  const wanted = dedicatedCellPolicy(tenant);
  if (cell.spec.deletionPolicy === wanted) return;
  await ctx.kube.mergePatch(CELL_PLURAL, cell.metadata.name, { spec: { deletionPolicy: wanted } });
  ctx.log.info({ tenant: tenant.metadata.name, cell: cell.metadata.name, deletionPolicy: wanted }, "Dedicated cell follows its Tenant's deletion policy");
  ctx.record(tenant, "Normal", "CellPolicyUpdated", `cell ${cell.metadata.name} deletionPolicy set to ${wanted} (Tenant deletionPolicy ${tenant.spec.deletionPolicy})`);
}
