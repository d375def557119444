// Cell: an isolated stack (cell API, Postgres schema, Redis, ML pod) serving a group of tenants.
// Cluster-scoped. This file is the TypeScript side of the CRD's single source of truth (see crds/).
import type { Condition, OwnerReference } from "./conditions.js";
import type { API_VERSION } from "./tenant.js";

export const CellClasses = ["shared", "dedicated"] as const;
export type CellClass = (typeof CellClasses)[number];

/**
 * A Cell's name becomes its namespace's (`cell-<name>`, a DNS label of at most 63 characters) and
 * its Postgres schema's. Only a DNS label of at most 58 characters maps one-to-one onto both: a dot
 * would become a dash (`foo.bar` and `foo-bar` sharing one namespace), a longer name a hash.
 */
export const CELL_NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
export const MAX_CELL_NAME_LENGTH = 58;

/** Why a Cell name is refused (the CRD refuses it too), or undefined for a valid one. */
export function cellNameProblem(name: string): string | undefined {
  if (!new RegExp(CELL_NAME_PATTERN).test(name)) return `cell name '${name}' is not a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit)`;
  if (name.length > MAX_CELL_NAME_LENGTH) return `cell name '${name}' is longer than ${MAX_CELL_NAME_LENGTH} characters (its namespace is cell-<name>)`;
  return undefined;
}

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
  /** Each component's rollout of the current spec finished with every replica available. */
  RedisReady: "RedisReady",
  ApiReady: "ApiReady",
  MlReady: "MlReady",
  /** Every part is whole: the database checked and every component with all its replicas available (any version). */
  Available: "Available",
  /** A rollout of the current spec is under way (False with reason ProgressDeadlineExceeded when it stalled). */
  Progressing: "Progressing",
  /**
   * The cell serves its tenants: its database was provisioned and its API has at least one available
   * replica. Tenants are Routable while it holds; ML, Redis, rollouts and lost replicas only make
   * the cell not Available.
   */
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
