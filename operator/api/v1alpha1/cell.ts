// Cell: an isolated stack (cell API, Postgres schema, Redis, ML pod) serving a group of tenants.
// Cluster-scoped. This file is the TypeScript side of the CRD's single source of truth (see crds/).
import type { Condition, OwnerReference } from "./conditions.js";
import type { API_VERSION } from "./tenant.js";

export const CellClasses = ["shared", "dedicated"] as const;
export type CellClass = (typeof CellClasses)[number];

export const CellDeletionPolicies = ["Retain", "Delete"] as const;
export type CellDeletionPolicy = (typeof CellDeletionPolicies)[number];

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export interface CellSpec {
  class: CellClass;
  /** Maximum number of tenants placed in the cell (1 for dedicated cells). */
  capacity: number;
  /** Image tag of the cell's components; cells upgrade one by one. */
  version: string;
  api: { replicas: number; resources?: ResourceRequirements };
  ml: { replicas: number; resources?: ResourceRequirements };
  redis: { enabled: boolean };
  /** What happens to the cell's Postgres schema and role when the Cell is deleted. */
  deletionPolicy: CellDeletionPolicy;
}

export const CellCondition = {
  DatabaseReady: "DatabaseReady",
  RedisReady: "RedisReady",
  ApiReady: "ApiReady",
  MlReady: "MlReady",
  Ready: "Ready",
} as const;

export interface CellStatus {
  observedGeneration?: number;
  tenants?: number;
  /** Base URL of the cell API's Service, e.g. http://cell-api.lsp-cell-shared-1.svc:8080 */
  endpoint?: string;
  version?: string;
  /** "tenants/capacity", for `kubectl get cells`. */
  occupancy?: string;
  /** Namespace holding the cell's workloads. */
  namespace?: string;
  conditions?: Condition[];
}

export interface Cell {
  apiVersion: typeof API_VERSION;
  kind: "Cell";
  metadata: { name: string; uid?: string; generation?: number; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; deletionTimestamp?: string; creationTimestamp?: string; ownerReferences?: OwnerReference[] };
  spec: CellSpec;
  status?: CellStatus;
}

export const CELL_PLURAL = "cells";
