// Where a placed tenant should be: the cell spec.cell names, or — for a tenant whose isolation
// was changed from shared to dedicated — its own dedicated cell, picked (and created) by the
// same placement rule as for a new dedicated tenant. The move controller carries it there.
import type { Tenant } from "../../api/v1alpha1/index.js";
import { placeTenant } from "../../placement/placement.js";
import { movingInto, placementCells, type OperatorContext } from "../context.js";
import { createCell } from "../tenant/placement.js";

export type Destination = { cell: string | undefined } | { wait: string };

/** Phases of a move under way: its target was checked when it started, and it must not stall now. */
const UNDER_WAY: readonly string[] = ["Copying", "CatchingUp", "Holding", "Verifying", "Switched", "CleaningUp"];

export async function moveDestination(ctx: OperatorContext, tenant: Tenant, placedCell: string): Promise<Destination> {
  if (tenant.spec.cell) {
    if (tenant.spec.cell === placedCell || UNDER_WAY.includes(tenant.status?.move?.phase ?? "")) return { cell: tenant.spec.cell };
    return pinnedTarget(ctx, tenant, tenant.spec.cell);
  }
  if (tenant.spec.isolation !== "dedicated") return { cell: undefined };
  // Only a shared cell is left for a dedicated one; a vanished cell is the tenant reconcile's to re-create.
  if (ctx.cells.get(placedCell)?.spec.class !== "shared") return { cell: undefined };
  const decision = placeTenant({ slug: tenant.spec.slug, isolation: "dedicated" }, { cells: placementCells(ctx.cells.list()), occupancy: new Map(), sharedCellPrefix: ctx.config.sharedCellPrefix });
  if (decision.kind === "wait") return { wait: decision.message };
  if (decision.kind === "create") await createCell(ctx, decision.cell, "dedicated", tenant);
  return { cell: decision.cell };
}

/**
 * The cell spec.cell names, held to the placement rules before a move into it starts: it exists,
 * is not being deleted, has room, and is not another tenant's dedicated cell.
 */
function pinnedTarget(ctx: OperatorContext, tenant: Tenant, name: string): Destination {
  // Tenants moving in count too: a mover is counted in its new cell by its label only from its
  // switch, so two moves could otherwise both take one last slot.
  const occupancy = ctx.book.occupancy();
  for (const other of ctx.tenants.list()) {
    const to = movingInto(other);
    if (to && other.metadata.name !== tenant.metadata.name) occupancy.set(to, (occupancy.get(to) ?? 0) + 1);
  }
  const decision = placeTenant({ slug: tenant.spec.slug, isolation: tenant.spec.isolation, pinnedCell: name }, { cells: placementCells(ctx.cells.list()), occupancy, sharedCellPrefix: ctx.config.sharedCellPrefix });
  if (decision.kind === "wait") return { wait: decision.message };
  const cell = ctx.cells.get(name);
  if (cell?.spec.class === "dedicated" && !cell.metadata.ownerReferences?.some((r) => r.kind === "Tenant" && r.uid === tenant.metadata.uid)) {
    return { wait: `Cell '${name}' is dedicated to another tenant` };
  }
  return { cell: name };
}

