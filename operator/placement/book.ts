// The operator's view for placement: what the caches say plus decisions made in this process that
// the caches have not shown yet, so two workers never fill the same last slot or create the same
// new cell twice. No Kubernetes client: the local platform can use it as is.
import { placeTenant, type PlacementCell, type PlacementDecision, type PlacementTenant } from "./placement.js";

export interface ObservedState {
  cells: readonly PlacementCell[];
  /** tenant name → cell, for every tenant placed according to the caches. */
  assignments: ReadonlyMap<string, string>;
}

export class PlacementBook {
  private readonly pendingCells = new Map<string, PlacementCell>();
  private readonly pendingAssignments = new Map<string, string>();

  constructor(
    private readonly observe: () => ObservedState,
    private readonly template: { sharedCellPrefix: string; sharedCellCapacity: number },
  ) {}

  /**
   * Decides a cell for the tenant and reserves its slot (and a new cell's name) at once. It is
   * synchronous — nothing can interleave between the decision and the reservation — so the
   * writes that record it happen outside any lock; the caller releases the reservation if they fail.
   */
  reserve(tenantName: string, tenant: PlacementTenant): PlacementDecision {
    const decision = placeTenant(tenant, this.view(tenantName));
    if (decision.kind === "create") this.pendingCells.set(decision.cell, { name: decision.cell, class: decision.class, capacity: decision.class === "dedicated" ? 1 : this.template.sharedCellCapacity });
    if (decision.kind !== "wait") this.pendingAssignments.set(tenantName, decision.cell);
    return decision;
  }

  /** Forgets a tenant's reservation (it was deleted, or the caches now show it). */
  release(tenantName: string): void {
    this.pendingAssignments.delete(tenantName);
  }

  /** Forgets a pending cell once the caches show it. */
  cellObserved(cellName: string): void {
    this.pendingCells.delete(cellName);
  }

  /**
   * tenant name → cell: observed, plus reservations the caches do not show yet. Once the caches show
   * a tenant placed, they are the truth and its reservation is dropped: a move later changes the
   * label, and a reservation kept past that would count the tenant in its old cell for good
   * (blocking that cell's deletion and over-filling the new one).
   */
  assignments(): Map<string, string> {
    const observed = this.observe().assignments;
    const merged = new Map(observed);
    for (const [tenant, cell] of this.pendingAssignments) {
      if (observed.has(tenant)) this.pendingAssignments.delete(tenant);
      else merged.set(tenant, cell);
    }
    return merged;
  }

  /** Tenants per cell: observed plus reserved. */
  occupancy(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const cell of this.assignments().values()) counts.set(cell, (counts.get(cell) ?? 0) + 1);
    return counts;
  }

  private view(tenantName: string) {
    const observed = this.observe();
    const cells = new Map(observed.cells.map((c) => [c.name, c]));
    for (const [name, cell] of this.pendingCells) {
      if (cells.has(name)) this.pendingCells.delete(name);
      else cells.set(name, cell);
    }
    const occupancy = this.occupancy();
    const own = observed.assignments.get(tenantName) ?? this.pendingAssignments.get(tenantName);
    if (own) occupancy.set(own, (occupancy.get(own) ?? 1) - 1);
    return { cells: [...cells.values()], occupancy, sharedCellPrefix: this.template.sharedCellPrefix };
  }
}
