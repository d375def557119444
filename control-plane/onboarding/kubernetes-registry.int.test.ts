import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";
import { randomPhone } from "../testing/databases.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { deleteTenant, installTenantCrd, markTenantReady, testKubeConfig } from "../testing/kube.js";
import { KubernetesTenantRegistry } from "./kubernetes-registry.js";
import { TenantExistsError, TenantNotFoundError, TenantPlanRefusedError, tenantManifest, waitForTenantReady } from "./tenant-registry.js";

const run = `cp${randomBytes(3).toString("hex")}`;
const created: string[] = [];
const slug = (name: string) => {
  const s = `${run}-${name}`;
  created.push(s);
  return s;
};
let kc: KubeConfig;
let registry: KubernetesTenantRegistry;

beforeAll(async () => {
  kc = testKubeConfig();
  await installTenantCrd(kc);
  registry = new KubernetesTenantRegistry(kc, { labels: { "localstoreplatform.com/test-run": run } });
}, 60_000);

afterAll(async () => {
  for (const name of created) await deleteTenant(kc, name);
});

const spec = (s: string) => ({ slug: s, displayName: "Phở Bò Hà Nội", plan: "starter" as const, owner: { phone: "+84912345678", name: "Chị Lan" }, isolation: "shared" as const });

describe("Given the Tenant CRD on a real apiserver", () => {
  it("creates a cluster-scoped Tenant, reads it back, and reports its slug taken", async () => {
    const s = slug("pho");
    expect(await registry.isSlugTaken(s)).toBe(false);
    const tenant = await registry.create(tenantManifest(spec(s), "user-1"));
    expect(tenant.metadata).toMatchObject({ name: s, generation: 1, labels: { "localstoreplatform.com/created-by": "control-plane", "localstoreplatform.com/test-run": run } });
    expect((await registry.get(s))?.spec).toMatchObject(spec(s));
    expect(await registry.isSlugTaken(s)).toBe(true);
    expect(await registry.get(`${run}-missing`)).toBeUndefined();
  });

  it("reports an existing name as TenantExistsError", async () => {
    const s = slug("dup");
    await registry.create(tenantManifest(spec(s), "user-1"));
    await expect(registry.create(tenantManifest(spec(s), "user-2"))).rejects.toBeInstanceOf(TenantExistsError);
  });

  it("surfaces the apiserver's own validation message for an object the CRD refuses", async () => {
    const bad = tenantManifest({ ...spec("x"), slug: "admin" }, "user-1");
    bad.metadata.name = slug("reserved");
    await expect(registry.create(bad)).rejects.toThrow(/HTTP 422: .*admin/);
  });

  it("sets a Tenant's plan, and refuses what the CRD's rules refuse or a Tenant that does not exist", async () => {
    const shared = slug("plan");
    await registry.create(tenantManifest(spec(shared), "user-1"));
    await registry.setPlan(shared, "growth");
    expect((await registry.get(shared))?.spec.plan).toBe("growth");
    const dedicated = slug("dedicated");
    await registry.create(tenantManifest({ ...spec(dedicated), plan: "chain", isolation: "dedicated" }, "user-1"));
    await expect(registry.setPlan(dedicated, "starter")).rejects.toThrow(TenantPlanRefusedError);
    await expect(registry.setPlan(dedicated, "starter")).rejects.toThrow(/dedicated' requires plan 'chain'/);
    expect((await registry.get(dedicated))?.spec.plan).toBe("chain");
    await expect(registry.setPlan(`${run}-missing`, "growth")).rejects.toThrow(TenantNotFoundError);
  });

  it("polls until the Tenant's Ready condition is True for its generation", async () => {
    const s = slug("ready");
    await registry.create(tenantManifest(spec(s), "user-1"));
    const waiting = waitForTenantReady(registry, s, { timeoutMs: 10_000, intervalMs: 100 });
    setTimeout(() => void markTenantReady(kc, s), 300);
    await expect(waiting).resolves.toMatchObject({ status: { url: `https://${s}.localstoreplatform.com` } });
  });
});

describe("Given signup through the control plane with the Kubernetes registry", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tenantRegistry: registry });
  });
  afterAll(async () => {
    await h.stop();
  });

  it("creates the same Tenant `kubectl apply` would, idempotently, and reports it Ready once it is", async () => {
    const owner = await h.signIn(randomPhone());
    const s = slug("signup");
    const SIGNUP = `mutation($i: SignupTenantInput!) { signupTenant(input: $i) { created tenant { status { phase } } } }`;
    const input = { i: { slug: s, displayName: "Bún Chả Hương Liên", ownerName: "Bà Liên", plan: "CHAIN", locations: [{ name: "Lê Văn Hưu" }] } };
    const first = await h.graphql(SIGNUP, input, owner.accessToken);
    expect(first.errors).toBeUndefined();
    expect(first.data.signupTenant).toEqual({ created: true, tenant: { status: { phase: "Provisioning" } } });
    expect((await h.graphql(SIGNUP, input, owner.accessToken)).data.signupTenant.created).toBe(false);

    const resource = await registry.get(s);
    expect(resource?.spec).toMatchObject({ slug: s, plan: "chain", owner: { phone: owner.user.phone, name: "Bà Liên" }, locations: [{ name: "Lê Văn Hưu" }] });

    await markTenantReady(kc, s);
    const status = await h.graphql(`query($s: String!) { tenant(slug: $s) { status { phase ready url } } }`, { s }, owner.accessToken);
    expect(status.data.tenant.status).toEqual({ phase: "Ready", ready: true, url: `https://${s}.localstoreplatform.com` });
  });

  it("refuses a slug someone created with kubectl", async () => {
    const s = slug("kubectl");
    await registry.create(tenantManifest(spec(s), "someone-else"));
    const owner = await h.signIn(randomPhone());
    const refused = await h.graphql(`mutation($i: SignupTenantInput!) { signupTenant(input: $i) { created } }`, { i: { slug: s, displayName: "A", ownerName: "B" } }, owner.accessToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe("SLUG_TAKEN");
  });
});
