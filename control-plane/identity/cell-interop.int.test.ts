// Tokens from this control plane, checked by the cell's own request authentication
// (cell/auth: identifyCaller with the router's signed tenant header and a remote JWKS).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { GraphQLError } from "graphql";
import { identifyCaller, keySet, type CallerDeps } from "../../cell/auth/index.js";
import { signTenant, TENANT_HEADER, TENANT_SIGNATURE_HEADER } from "../../common/index.js";
import { randomPhone } from "../testing/databases.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { signAccessToken } from "./access-tokens.js";

const ROUTER_KEY = "router-signing-key-for-interop-test";
let h: Harness;
let deps: CallerDeps;
let owner: { accessToken: string; refreshToken: string; user: { id: string; phone: string } };
const slugA = `interop-a-${Date.now().toString(36)}`;
const slugB = `interop-b-${Date.now().toString(36)}`;

beforeAll(async () => {
  h = await startHarness();
  // The cell's tenant directory reads the cell database; both tenants are served and active here.
  const served = new Map([slugA, slugB].map((s, i) => [s, { id: `00000000-0000-4000-8000-00000000000${i}`, status: "active" }]));
  deps = { routerSigningKey: ROUTER_KEY, keys: keySet({ jwksUrl: `${h.cp.url}/.well-known/jwks.json` }), tenants: { lookup: async (slug) => served.get(slug) } };
  const signedIn = await h.signIn(randomPhone());
  const signup = await h.graphql(`mutation($i: SignupTenantInput!) { signupTenant(input: $i) { accessToken } }`, { i: { slug: slugA, displayName: "A", ownerName: "Chủ A" } }, signedIn.accessToken);
  owner = { ...signedIn, accessToken: signup.data.signupTenant.accessToken };
  const other = await h.signIn(randomPhone());
  await h.graphql(`mutation($i: SignupTenantInput!) { signupTenant(input: $i) { created } }`, { i: { slug: slugB, displayName: "B", ownerName: "Chủ B" } }, other.accessToken);
});
afterAll(async () => {
  await h.stop();
});

function requestFor(slug: string, token: string): Headers {
  return new Headers({ [TENANT_HEADER]: slug, [TENANT_SIGNATURE_HEADER]: signTenant(ROUTER_KEY, slug), authorization: `Bearer ${token}` });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: unknown; status: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GraphQLError) return { code: error.extensions.code, status: (error.extensions.http as { status?: number } | undefined)?.status };
    throw error;
  }
  throw new Error("expected the cell to refuse the request");
}

describe("Given a cell authenticating requests with control-plane tokens", () => {
  it("lets tenant A's owner in at tenant A's cell", async () => {
    await expect(identifyCaller(requestFor(slugA, owner.accessToken), deps)).resolves.toMatchObject({ tenantSlug: slugA, userId: owner.user.id, role: "owner", locations: "*" });
  });

  it("refuses the same token at tenant B with 403", async () => {
    expect(await refusal(identifyCaller(requestFor(slugB, owner.accessToken), deps))).toEqual({ code: "FORBIDDEN", status: 403 });
  });

  it("refuses an expired token with 401", async () => {
    const expired = await signAccessToken(h.cp.keys, { sub: owner.user.id, phone: owner.user.phone, memberships: [{ tenant: slugA, role: "owner", locations: "*" }] }, { ttlSeconds: -60 } /* expired a minute ago */);
    expect(await refusal(identifyCaller(requestFor(slugA, expired), deps))).toEqual({ code: "UNAUTHENTICATED", status: 401 });
  });

  it("refuses a token signed by a key the control plane does not publish", async () => {
    const { KeyRing, MemoryKeyStore } = await import("./keys.js");
    const forged = await signAccessToken(await new KeyRing(new MemoryKeyStore()).init(), { sub: owner.user.id, phone: owner.user.phone, memberships: [{ tenant: slugA, role: "owner", locations: "*" }] });
    expect(await refusal(identifyCaller(requestFor(slugA, forged), deps))).toEqual({ code: "UNAUTHENTICATED", status: 401 });
  });
});
