// What every reconciler gets: clients, caches, config, the database, events and the placement book.
import type * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import { CellCondition, type Cell, type Tenant } from "../api/v1alpha1/index.js";
import type { OperatorConfig } from "../config.js";
import type { PlatformDatabase } from "../database.js";
import type { PlacementBook } from "../placement/book.js";
import type { EventRecorder } from "../runtime/events.js";
import type { ResilientInformer } from "../runtime/informer.js";
import type { Kube } from "../runtime/kube.js";
import { Finalizers } from "../names.js";
import { isTrue } from "../status.js";

export interface OperatorContext {
  config: OperatorConfig;
  kube: Kube;
  db: PlatformDatabase;
  log: Logger;
  record: EventRecorder;
  book: PlacementBook;
  cells: ResilientInformer<Cell>;
  tenants: ResilientInformer<Tenant>;
  deployments: ResilientInformer<k8s.V1Deployment>;
  /** The cells' namespaces (the operator's own, by label): a deleted one is made anew. */
  namespaces: ResilientInformer<k8s.V1Namespace>;
  /** Labels every created object carries (managed-by, and the instance label when scoped). */
  commonLabels: Record<string, string>;
}

/** The cell a tenant is placed in, as recorded on the Tenant (label written with the finalizer). */
export function placedCell(tenant: Tenant): string | undefined {
  return tenant.metadata.labels?.["localstoreplatform.com/cell"] ?? tenant.status?.cell;
}

/**
 * tenant name → cell for every placed Tenant, except one being deleted whose data is already
 * archived or deleted (its tenant-data finalizer is gone): it holds no slot, and counting it would
 * deadlock a foreground deletion (the Tenant waits for its dedicated Cell, the Cell for the Tenant).
 */
export function observedAssignments(tenants: readonly Tenant[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const t of tenants) {
    const cell = placedCell(t);
    const deprovisioned = t.metadata.deletionTimestamp && !t.metadata.finalizers?.includes(Finalizers.tenantData);
    if (cell && !deprovisioned) result.set(t.metadata.name, cell);
  }
  return result;
}

/** Cells as placement sees them (operator/placement): a cell being deleted takes no tenant. */
export function placementCells(cells: readonly Cell[]) {
  return cells.map((c) => ({ name: c.metadata.name, class: c.spec.class, capacity: c.spec.capacity, deleting: Boolean(c.metadata.deletionTimestamp) }));
}

const BEFORE_SWITCH: readonly string[] = ["Copying", "CatchingUp", "Holding", "Verifying"];

/**
 * The cell a tenant is moving into, while its move has not switched yet: placement counts a
 * tenant by its label, which names the new cell only from the switch.
 */
export function movingInto(tenant: Tenant): string | undefined {
  const move = tenant.status?.move;
  return move?.to && BEFORE_SWITCH.includes(move.phase) ? move.to : undefined;
}

/** The cell serves its tenants (database provisioned, one API replica available): what routing follows. */
export function isCellReady(cell: Cell | undefined): boolean {
  return isTrue(cell?.status?.conditions, CellCondition.Ready);
}

/** The cell is whole: database checked, every component with all its replicas available. */
export function isCellAvailable(cell: Cell | undefined): boolean {
  return isTrue(cell?.status?.conditions, CellCondition.Available);
}

/**
 * A move starts into a cell only when it serves and is whole, with its database: serving alone (one
 * API pod of two, ML down, a rollout under way) is enough to keep tenants routed, not to carry
 * one more in through a hold.
 */
export function isMoveTargetReady(cell: Cell | undefined): boolean {
  return isCellReady(cell) && isCellAvailable(cell) && isTrue(cell?.status?.conditions, CellCondition.DatabaseReady);
}
