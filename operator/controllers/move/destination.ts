// Where a placed tenant should be: the cell spec.cell names, or — for a tenant whose isolation
// was changed from shared to dedicated — its own dedicated cell, picked (and created) by the
// same placement rule as for a new dedicated tenant. The move controller carries it there.
import type { Tenant } from "../../api/v1alpha1/index.js";
import { placeTenant } from "../../placement/placement.js";
import type { OperatorContext } from "../context.js";
import { createCell } from "../tenant/placement.js";

export type Destination = { cell: string | undefined } | { wait: string };

export async function moveDestination(ctx: OperatorContext, tenant: Tenant, placedCell: string): Promise<Destination> {
  if (tenant.spec.cell) return { cell: tenant.spec.cell };
  if (tenant.spec.isolation !== "dedicated") return { cell: undefined };
  // Only a shared cell is left for a dedicated one; a vanished cell is the tenant reconcile's to re-create.
  if (ctx.cells.get(placedCell)?.spec.class !== "shared") return { cell: undefined };
  const cells = ctx.cells.list().map((c) => ({ name: c.metadata.name, class: c.spec.class, capacity: c.spec.capacity, deleting: Boolean(c.metadata.deletionTimestamp) }));
  const decision = placeTenant({ slug: tenant.spec.slug, isolation: "dedicated" }, { cells, occupancy: new Map(), sharedCellPrefix: ctx.config.sharedCellPrefix });
  if (decision.kind === "wait") return { wait: decision.message };
  if (decision.kind === "create") await createCell(ctx, decision.cell, "dedicated", tenant);
  return { cell: decision.cell };
}
