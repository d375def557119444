// Signup → Tenant → the real operator reconciles it → Ready, all against the test cluster.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createRemoteJWKSet } from "jose";
import type { OperatorHandle } from "../../operator/index.js";
import { Labels } from "../../operator/names.js";
import { forceForget, installCrds, startTestOperator, testKube, uniqueInstance } from "../../operator/testing/harness.js";
import { verifyAccessToken } from "../identity/verify-access-token.js";
import { randomPhone } from "../testing/databases.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { KubernetesTenantRegistry } from "./kubernetes-registry.js";

const kube = testKube();
const instance = uniqueInstance("cpe");
let operator: OperatorHandle;
let h: Harness;

beforeAll(async () => {
  // Tenant and Cell CRDs: the operator needs both.
  await installCrds(kube);
  operator = await startTestOperator(instance, { sharedCellCapacity: 5, workers: 2 });
  // The instance label scopes the Tenant to this test's operator in the shared cluster.
  h = await startHarness({ tenantRegistry: new KubernetesTenantRegistry(kube.kc, { labels: { [Labels.instance]: instance } }) });
}, 120_000);

afterAll(async () => {
  await h?.stop();
  await operator?.stop();
  await forceForget(kube, instance);
});

describe("Given an owner signing up on app.localstoreplatform.com with the operator running", () => {
  it("creates the Tenant, which the operator brings to Ready, observed by polling the owner's GraphQL", async () => {
    const owner = await h.signIn(randomPhone());
    const slug = `${instance}-pho-bo`;
    const signup = await h.graphql(
      `mutation($i: SignupTenantInput!) { signupTenant(input: $i) { created accessToken } }`,
      { i: { slug, displayName: "Phở Bò Hà Nội", ownerName: "Chị Lan", locations: [{ name: "Hoàn Kiếm" }] } },
      owner.accessToken,
    );
    expect(signup.errors).toBeUndefined();

    const STATUS = `query($s: String!) { tenant(slug: $s) { status { phase ready url cell conditions { type status reason } } } }`;
    const deadline = Date.now() + 150_000;
    let status: { phase: string; ready: boolean; url: string | null; cell: string | null; conditions: { type: string; status: string }[] } | undefined;
    while (Date.now() < deadline) {
      status = (await h.graphql(STATUS, { s: slug }, owner.accessToken)).data.tenant.status;
      if (status?.ready) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    // Conditions in the comparison, so a failure says which step the operator is stuck at.
    expect(status).toMatchObject({ phase: "Ready", ready: true, url: `https://${slug}.localstoreplatform.com`, conditions: expect.arrayContaining([expect.objectContaining({ type: "Ready", status: "True" })]) });
    expect(status?.cell).toBeTruthy();

    // The owner's token from signup is what the tenant's cell will accept.
    const jwks = createRemoteJWKSet(new URL(`${h.cp.url}/.well-known/jwks.json`));
    await expect(verifyAccessToken(signup.data.signupTenant.accessToken, jwks, { tenant: slug })).resolves.toMatchObject({ membership: { role: "owner" } });
  }, 180_000);
});
