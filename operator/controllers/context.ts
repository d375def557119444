// What every reconciler gets: clients, caches, config, the database, events and the placement book.
import type * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Cell, Tenant } from "../api/v1alpha1/index.js";
import type { OperatorConfig } from "../config.js";
import type { PlatformDatabase } from "../database.js";
import type { PlacementBook } from "../placement/book.js";
import type { EventRecorder } from "../runtime/events.js";
import type { ResilientInformer } from "../runtime/informer.js";
import type { Kube } from "../runtime/kube.js";
import { Finalizers } from "../names.js";

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

export function isCellReady(cell: Cell | undefined): boolean {
  return cell?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}
