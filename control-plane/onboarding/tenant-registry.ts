// Where Tenant resources live. Signup writes through this interface exactly what `kubectl apply`
// would; the Kubernetes implementation talks to the apiserver, the memory one stands in for the
// local platform until it brings its own (issue 5).
import { API_VERSION, TenantCondition, type Tenant, type TenantPlan, type TenantSpec } from "../../operator/api/v1alpha1/index.js";

export const CREATED_BY_LABEL = "localstoreplatform.com/created-by";
export const OWNER_USER_ANNOTATION = "localstoreplatform.com/owner-user-id";

export interface TenantRegistry {
  /** Creates the Tenant; throws TenantExistsError when one with that name exists. */
  create(tenant: Tenant): Promise<Tenant>;
  get(slug: string): Promise<Tenant | undefined>;
  isSlugTaken(slug: string): Promise<boolean>;
  /**
   * Sets the Tenant's `spec.plan`. Throws TenantPlanRefusedError when the Tenant's rules refuse it
   * (a dedicated Tenant stays on chain) and TenantNotFoundError when there is no such Tenant.
   */
  setPlan(slug: string, plan: TenantPlan): Promise<void>;
}

export class TenantPlanRefusedError extends Error {
  constructor(readonly slug: string, reason: string) {
    super(`Tenant '${slug}' cannot take that plan: ${reason}`);
    this.name = "TenantPlanRefusedError";
  }
}

export class TenantNotFoundError extends Error {
  constructor(readonly slug: string) {
    super(`no Tenant named '${slug}'`);
    this.name = "TenantNotFoundError";
  }
}

export class TenantExistsError extends Error {
  constructor(readonly slug: string) {
    super(`a Tenant named '${slug}' already exists`);
    this.name = "TenantExistsError";
  }
}

export function tenantManifest(spec: TenantSpec, ownerUserId: string): Tenant {
  return {
    apiVersion: API_VERSION,
    kind: "Tenant",
    metadata: { name: spec.slug, labels: { [CREATED_BY_LABEL]: "control-plane" }, annotations: { [OWNER_USER_ANNOTATION]: ownerUserId } },
    spec,
  };
}

export function isTenantReady(tenant: Tenant | undefined): boolean {
  const ready = tenant?.status?.conditions?.find((c) => c.type === TenantCondition.Ready);
  if (ready?.status !== "True") return false;
  // A Ready written for an older generation says nothing about the current spec.
  const generation = tenant?.metadata.generation;
  return ready.observedGeneration === undefined || generation === undefined || ready.observedGeneration >= generation;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Polls until the Tenant reports Ready; resolves with it, or rejects after the timeout. */
export async function waitForTenantReady(registry: TenantRegistry, slug: string, options: WaitOptions = {}): Promise<Tenant> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const interval = options.intervalMs ?? 500;
  let last: Tenant | undefined;
  while (Date.now() < deadline) {
    options.signal?.throwIfAborted();
    last = await registry.get(slug);
    if (last && isTenantReady(last)) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
  const conditions = last?.status?.conditions?.map((c) => `${c.type}=${c.status} (${c.reason})`).join(", ") || "no conditions";
  throw new Error(`Tenant '${slug}' was not Ready within ${options.timeoutMs ?? 120_000} ms: ${last ? conditions : "it does not exist"}`);
}
