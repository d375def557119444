// Where dunning's decision lands: `spec.suspended` on the Tenant, which the router honours.
import { ApiException, CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { loadKubeConfig } from "../../common/kube-config.js";
import { GROUP, TENANT_PLURAL, VERSION } from "../../operator/api/v1alpha1/index.js";

export const SUSPENDED_REASON_ANNOTATION = "localstoreplatform.com/suspended-reason";

export interface TenantSuspender {
  /** Idempotent: setting the value the Tenant already has is a no-op. */
  setSuspended(tenantSlug: string, suspended: boolean, reason: string): Promise<void>;
}

export class TenantNotFoundError extends Error {
  constructor(readonly slug: string) {
    super(`no Tenant '${slug}' to suspend or resume`);
    this.name = "TenantNotFoundError";
  }
}

/** Merge-patches the cluster-scoped Tenant object the operator reconciles. */
export class KubernetesTenantSuspender implements TenantSuspender {
  private readonly api: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  static fromDefault(): KubernetesTenantSuspender {
    return new KubernetesTenantSuspender(loadKubeConfig());
  }

  async setSuspended(tenantSlug: string, suspended: boolean, reason: string): Promise<void> {
    const body = { metadata: { annotations: { [SUSPENDED_REASON_ANNOTATION]: suspended ? reason : null } }, spec: { suspended } };
    try {
      await this.api.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name: tenantSlug, body }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) throw new TenantNotFoundError(tenantSlug);
      throw new Error(`could not set spec.suspended=${suspended} on Tenant '${tenantSlug}': ${(error as Error).message}`, { cause: error });
    }
  }
}

/** For the local platform and tests without a cluster. */
export class MemoryTenantSuspender implements TenantSuspender {
  readonly suspended = new Map<string, string>();
  calls = 0;

  async setSuspended(tenantSlug: string, suspended: boolean, reason: string): Promise<void> {
    this.calls++;
    if (suspended) this.suspended.set(tenantSlug, reason);
    else this.suspended.delete(tenantSlug);
  }
}
