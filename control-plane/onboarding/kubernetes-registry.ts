// Tenants as cluster-scoped custom objects (tenants.localstoreplatform.com/v1alpha1): the same
// objects `kubectl apply -f tenant.yaml` creates, reconciled by the operator.
import { ApiException, CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { loadKubeConfig } from "../../common/kube-config.js";
import { GROUP, TENANT_PLURAL, VERSION, type Tenant, type TenantPlan } from "../../operator/api/v1alpha1/index.js";
import { TenantExistsError, TenantNotFoundError, TenantPlanRefusedError, type TenantRegistry } from "./tenant-registry.js";

export interface KubernetesRegistryOptions {
  /** Added to every Tenant created, e.g. the operator instance label that scopes which operator reconciles it. */
  labels?: Record<string, string>;
}

export class KubernetesTenantRegistry implements TenantRegistry {
  private readonly api: CustomObjectsApi;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: KubernetesRegistryOptions = {},
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** From KUBECONFIG, or the in-cluster service account when running in a pod. */
  static fromDefault(options: KubernetesRegistryOptions = {}): KubernetesTenantRegistry {
    return new KubernetesTenantRegistry(loadKubeConfig(), options);
  }

  async create(tenant: Tenant): Promise<Tenant> {
    const body: Tenant = { ...tenant, metadata: { ...tenant.metadata, labels: { ...tenant.metadata.labels, ...this.options.labels } } };
    try {
      return (await this.api.createClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, body })) as Tenant;
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) throw new TenantExistsError(tenant.metadata.name);
      throw describe(error, `create Tenant '${tenant.metadata.name}'`);
    }
  }

  async get(slug: string): Promise<Tenant | undefined> {
    try {
      return (await this.api.getClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name: slug })) as Tenant;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw describe(error, `get Tenant '${slug}'`);
    }
  }

  async isSlugTaken(slug: string): Promise<boolean> {
    return (await this.get(slug)) !== undefined;
  }

  async setPlan(slug: string, plan: TenantPlan): Promise<void> {
    try {
      await this.api.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name: slug, body: { spec: { plan } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) throw new TenantNotFoundError(slug);
      // The CRD's rules (a dedicated Tenant stays on chain) answer 422 with their message.
      if (error instanceof ApiException && error.code === 422) throw new TenantPlanRefusedError(slug, apiMessage(error));
      throw describe(error, `set the plan of Tenant '${slug}'`);
    }
  }
}

function apiMessage(error: ApiException<unknown>): string {
  try {
    return (JSON.parse(String(error.body)) as { message?: string }).message ?? String(error.body);
  } catch {
    return String(error.body);
  }
}

/** The apiserver's own message (e.g. a CRD validation failure) is what an operator needs to see. */
function describe(error: unknown, action: string): Error {
  if (error instanceof ApiException) return new Error(`could not ${action}: HTTP ${error.code}: ${apiMessage(error)}`, { cause: error });
  return new Error(`could not ${action}: ${(error as Error).message}`, { cause: error });
}
