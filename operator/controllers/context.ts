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

/** tenant name → cell, for every tenant the cache shows placed. */
export function observedAssignments(tenants: readonly Tenant[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const t of tenants) {
    const cell = placedCell(t);
    if (cell) result.set(t.metadata.name, cell);
  }
  return result;
}

export function isCellReady(cell: Cell | undefined): boolean {
  return cell?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}
