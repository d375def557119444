import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { API_VERSION, GROUP, TENANT_PLURAL, VERSION, type Tenant } from "../../operator/api/v1alpha1/index.js";
import { toolPath } from "../../scripts/services/toolchain.js";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { runDunning } from "./dunning.js";
import { issueInvoice } from "./invoices.js";
import { migrateBilling } from "./migrate.js";
import { planCatalog } from "./plans.js";
import { changePlan } from "./subscriptions.js";
import { KubernetesTenantSuspender, SUSPENDED_REASON_ANNOTATION, TenantNotFoundError } from "./suspension.js";
import { DEFAULT_VAT } from "./vat.js";

let db: TestDatabase;
let kc: KubeConfig;
let objects: CustomObjectsApi;
const slug = `dunning-${process.pid}-${Date.now() % 100_000}`;

async function tenant(): Promise<Tenant> {
  return (await objects.getClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name: slug })) as Tenant;
}

beforeAll(async () => {
  kc = new KubeConfig();
  kc.loadFromDefault();
  // The committed CRD, applied as platform ops do.
  execFileSync(toolPath("kubectl"), [`--kubeconfig=${process.env.KUBECONFIG}`, "apply", "--server-side", "--force-conflicts", "--field-manager=lsp-billing-tests", "-f", join(import.meta.dirname, "../../crds/localstoreplatform.com_tenants.yaml")], { stdio: "pipe" });
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (let i = 0; i < 100; i++) {
    const crd = await ext.readCustomResourceDefinition({ name: `${TENANT_PLURAL}.${GROUP}` });
    if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  objects = kc.makeApiClient(CustomObjectsApi);
  const body: Tenant = { apiVersion: API_VERSION, kind: "Tenant", metadata: { name: slug }, spec: { slug, displayName: "Cơm tấm Thuận Kiều", plan: "growth", owner: { phone: "+84901234567", name: "Chị Kiều" }, isolation: "shared" } };
  await objects.createClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, body });
  db = await createTestDatabase("suspend");
  await migrateBilling(db.pool);
  const config = { plans: planCatalog(), vat: DEFAULT_VAT };
  await changePlan(db.pool, config.plans, { tenantSlug: slug, plan: "growth", effectiveOn: "2026-10-01" });
  await issueInvoice(db.pool, config, slug, "2026-10", new Date("2026-11-01T02:00:00Z"));
});

afterAll(async () => {
  await objects?.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name: slug }).catch(() => {});
  await db?.drop();
});

describe("Given a Tenant in the cluster whose invoice stays unpaid", () => {
  it("sets spec.suspended with the reason when dunning suspends it, and clears both when it is paid", async () => {
    const suspender = new KubernetesTenantSuspender(kc);
    const [t] = await runDunning(db.pool, suspender, { now: new Date("2026-12-10T02:00:00Z"), tenants: [slug] });
    expect(t).toMatchObject({ to: "suspended" });
    const suspended = await tenant();
    expect(suspended.spec.suspended).toBe(true);
    expect(suspended.metadata.annotations?.[SUSPENDED_REASON_ANNOTATION]).toMatch(/unpaid/);
    expect(suspended.spec.displayName).toBe("Cơm tấm Thuận Kiều");

    await db.pool.query(`update billing.invoices set status = 'paid', paid_vnd = total_vnd, paid_at = now() where tenant_slug = $1`, [slug]);
    const [lifted] = await runDunning(db.pool, suspender, { now: new Date("2026-12-10T03:00:00Z"), tenants: [slug] });
    expect(lifted).toMatchObject({ from: "suspended", to: "current" });
    const resumed = await tenant();
    expect(resumed.spec.suspended).toBe(false);
    expect(resumed.metadata.annotations?.[SUSPENDED_REASON_ANNOTATION]).toBeUndefined();
  });

  it("says which Tenant is missing", async () => {
    await expect(new KubernetesTenantSuspender(kc).setSuspended("no-such-tenant", true, "test")).rejects.toThrow(TenantNotFoundError);
  });
});
