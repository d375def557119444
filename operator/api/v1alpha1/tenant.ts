// Tenant: one restaurant business. Cluster-scoped; `spec.slug` is its subdomain.
// This file is the TypeScript side of the CRD's single source of truth (see crds/).
import type { Condition, OwnerReference } from "./conditions.js";

export const GROUP = "localstoreplatform.com";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

export const TenantPlans = ["starter", "growth", "chain"] as const;
export type TenantPlan = (typeof TenantPlans)[number];

export const Isolations = ["shared", "dedicated"] as const;
export type Isolation = (typeof Isolations)[number];

/** The CRD's rule (tenant.crd.ts) between isolation and plan, for code that checks it before the apiserver does. */
export const DEDICATED_REQUIRES_CHAIN = "isolation 'dedicated' requires plan 'chain'";
export function planRefusal(spec: Pick<TenantSpec, "isolation">, plan: TenantPlan): string | undefined {
  return spec.isolation === "dedicated" && plan !== "chain" ? DEDICATED_REQUIRES_CHAIN : undefined;
}

export interface TenantLocation {
  name: string;
  /** IANA zone; defaults to Asia/Ho_Chi_Minh. */
  timezone?: string;
}

export interface TenantSpec {
  /** DNS label, immutable; reserved words (app, www, api, admin, ...) are refused. */
  slug: string;
  /** Vietnamese text, e.g. "Phở Bò Hà Nội". */
  displayName: string;
  plan: TenantPlan;
  owner: { phone: string; name: string };
  isolation: Isolation;
  /** Pins the tenant to a named Cell (placement otherwise chooses; changing it moves the tenant). */
  cell?: string;
  locations?: TenantLocation[];
  suspended?: boolean;
  /** What happens to the tenant's rows in its cell's database when the Tenant is deleted (default Archive). */
  deletionPolicy?: TenantDeletionPolicy;
}

export const TenantDeletionPolicies = ["Archive", "Delete"] as const;
export type TenantDeletionPolicy = (typeof TenantDeletionPolicies)[number];

/** Subdomains the platform itself uses; a tenant cannot take them. */
export const ReservedSlugs = ["app", "www", "api", "admin", "auth", "login", "static", "assets", "cdn", "mail", "status", "docs", "help", "support", "billing", "internal", "system", "platform", "router", "operator"] as const;

export const TenantCondition = {
  Placed: "Placed",
  Provisioned: "Provisioned",
  Routable: "Routable",
  Ready: "Ready",
} as const;

export interface TenantStatus {
  observedGeneration?: number;
  /** Name of the Cell serving the tenant. */
  cell?: string;
  /** Base URL of that cell's API inside the cluster; the router forwards the tenant's traffic here. */
  endpoint?: string;
  /** Public URL, https://{slug}.{domain}. */
  url?: string;
  /** The tenant's id inside its cell's database. */
  tenantId?: string;
  /** While true the router holds the tenant's requests (bounded) — the switch-over of a move. */
  hold?: boolean;
  /** The move in progress (or the last one), written by the move controller (operator/controllers/move). */
  move?: TenantMoveStatus;
  conditions?: Condition[];
}

export const TenantMovePhases = ["Pending", "Copying", "CatchingUp", "Holding", "Verifying", "Switched", "CleaningUp", "Done", "RolledBack", "Cancelled"] as const;
export type TenantMovePhase = (typeof TenantMovePhases)[number];

export interface TenantMoveStatus {
  /** Id of the move in the platform database (lsp_moves.moves). */
  id: string;
  phase: TenantMovePhase;
  from: string;
  to: string;
  startedAt?: string;
  /** When the router was asked to hold the tenant's requests. */
  holdStartedAt?: string;
  message?: string;
}

export interface Tenant {
  apiVersion: typeof API_VERSION;
  kind: "Tenant";
  metadata: { name: string; uid?: string; generation?: number; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; deletionTimestamp?: string; creationTimestamp?: string; ownerReferences?: OwnerReference[] };
  spec: TenantSpec;
  status?: TenantStatus;
}

export const TENANT_PLURAL = "tenants";
