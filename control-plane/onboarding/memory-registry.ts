// Tenants kept in memory: the default when no cluster is configured, and what the local platform
// uses until it provides its own registry. `markReady` plays the operator's part.
import { planRefusal, TenantCondition, type Tenant, type TenantPlan } from "../../operator/api/v1alpha1/index.js";
import { TenantExistsError, TenantNotFoundError, TenantPlanRefusedError, type TenantRegistry } from "./tenant-registry.js";

export class MemoryTenantRegistry implements TenantRegistry {
  private readonly tenants = new Map<string, Tenant>();

  async create(tenant: Tenant): Promise<Tenant> {
    if (this.tenants.has(tenant.metadata.name)) throw new TenantExistsError(tenant.metadata.name);
    const stored: Tenant = structuredClone({ ...tenant, metadata: { ...tenant.metadata, generation: 1, creationTimestamp: new Date().toISOString() } });
    this.tenants.set(tenant.metadata.name, stored);
    return structuredClone(stored);
  }

  async get(slug: string): Promise<Tenant | undefined> {
    const t = this.tenants.get(slug);
    return t ? structuredClone(t) : undefined;
  }

  async isSlugTaken(slug: string): Promise<boolean> {
    return this.tenants.has(slug);
  }

  async setPlan(slug: string, plan: TenantPlan): Promise<void> {
    const t = this.tenants.get(slug);
    if (!t) throw new TenantNotFoundError(slug);
    // The CRD's rule, as the apiserver applies it.
    const refusal = planRefusal(t.spec, plan);
    if (refusal) throw new TenantPlanRefusedError(slug, refusal);
    if (t.spec.plan === plan) return;
    t.spec = { ...t.spec, plan };
    t.metadata.generation = (t.metadata.generation ?? 1) + 1;
  }

  markReady(slug: string, url = `https://${slug}.localstoreplatform.com`): void {
    const t = this.tenants.get(slug);
    if (!t) throw new Error(`no tenant '${slug}'`);
    const now = new Date().toISOString();
    t.status = {
      observedGeneration: t.metadata.generation,
      url,
      conditions: [{ type: TenantCondition.Ready, status: "True", reason: "Ready", message: "marked ready by the memory registry", lastTransitionTime: now, observedGeneration: t.metadata.generation }],
    };
  }
}
