// Placement: which cell serves a tenant. Pure: no Kubernetes client, no clock, no I/O — the
// operator and the local platform (cells as processes) feed it their view and act on the decision.
import type { CellClass, Isolation } from "../api/v1alpha1/index.js";
import { dedicatedCellName, sharedCellName } from "../names.js";

export interface PlacementTenant {
  slug: string;
  isolation: Isolation;
  /** spec.cell: the operator must use this cell. */
  pinnedCell?: string;
}

export interface PlacementCell {
  name: string;
  class: CellClass;
  capacity: number;
  /** Being deleted: takes no new tenants. */
  deleting?: boolean;
}

export interface PlacementView {
  cells: readonly PlacementCell[];
  /** Tenants already placed per cell (not counting the tenant being placed). */
  occupancy: ReadonlyMap<string, number>;
  sharedCellPrefix: string;
}

export type PlacementDecision =
  | { kind: "existing"; cell: string }
  | { kind: "create"; cell: string; class: CellClass }
  | { kind: "wait"; reason: "CellNotFound" | "CellDeleting" | "CellFull" | "CellClassMismatch"; message: string };

export function placeTenant(tenant: PlacementTenant, view: PlacementView): PlacementDecision {
  if (tenant.pinnedCell) return placePinned(tenant.pinnedCell, view);
  return tenant.isolation === "dedicated" ? placeDedicated(tenant.slug, view) : placeShared(view);
}

const free = (cell: PlacementCell, view: PlacementView) => cell.capacity - (view.occupancy.get(cell.name) ?? 0);

function placePinned(name: string, view: PlacementView): PlacementDecision {
  const cell = view.cells.find((c) => c.name === name);
  if (!cell) return { kind: "wait", reason: "CellNotFound", message: `spec.cell names Cell '${name}', which does not exist` };
  if (cell.deleting) return { kind: "wait", reason: "CellDeleting", message: `Cell '${name}' is being deleted` };
  if (free(cell, view) <= 0) return { kind: "wait", reason: "CellFull", message: `Cell '${name}' is at capacity (${cell.capacity})` };
  return { kind: "existing", cell: name };
}

function placeDedicated(slug: string, view: PlacementView): PlacementDecision {
  const name = dedicatedCellName(slug);
  const cell = view.cells.find((c) => c.name === name);
  if (!cell) return { kind: "create", cell: name, class: "dedicated" };
  if (cell.class !== "dedicated") return { kind: "wait", reason: "CellClassMismatch", message: `Cell '${name}' exists but is not dedicated` };
  if (cell.deleting) return { kind: "wait", reason: "CellDeleting", message: `Cell '${name}' is being deleted` };
  return { kind: "existing", cell: name };
}

/** The shared cell with the most free capacity (ties: the lowest name); a new one when all are full. */
function placeShared(view: PlacementView): PlacementDecision {
  let best: PlacementCell | undefined;
  for (const cell of view.cells) {
    if (cell.class !== "shared" || cell.deleting || free(cell, view) <= 0) continue;
    if (!best || free(cell, view) > free(best, view) || (free(cell, view) === free(best, view) && byName(cell.name, best.name) < 0)) best = cell;
  }
  if (best) return { kind: "existing", cell: best.name };
  const taken = new Set(view.cells.map((c) => c.name));
  let index = 1;
  while (taken.has(sharedCellName(view.sharedCellPrefix, index))) index++;
  return { kind: "create", cell: sharedCellName(view.sharedCellPrefix, index), class: "shared" };
}

const byName = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });
