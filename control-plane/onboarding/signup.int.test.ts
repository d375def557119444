import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { decodeJwt } from "jose";
import { randomPhone } from "../testing/databases.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { SIGNUPS_PER_DAY } from "./signup.js";
import { waitForTenantReady } from "./tenant-registry.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const SIGNUP = `mutation($i: SignupTenantInput!) { signupTenant(input: $i) { created accessToken tenant { slug displayName plan myRole status { phase ready } } } }`;
const AVAILABILITY = `query($s: String!) { slugAvailability(slug: $s) { slug available reason message } }`;
let n = 0;
const freshSlug = () => `pho-${Date.now().toString(36)}-${++n}`;

describe("Given an owner choosing a slug", () => {
  it("reports free, taken, reserved and malformed slugs with the reason", async () => {
    const owner = await h.signIn(randomPhone());
    const slug = freshSlug();
    expect((await h.graphql(AVAILABILITY, { s: slug })).data.slugAvailability).toEqual({ slug, available: true, reason: null, message: null });
    await h.graphql(SIGNUP, { i: { slug, displayName: "Phở Bò", ownerName: "Anh Minh" } }, owner.accessToken);
    expect((await h.graphql(AVAILABILITY, { s: slug })).data.slugAvailability).toMatchObject({ available: false, reason: "TAKEN" });
    expect((await h.graphql(AVAILABILITY, { s: "admin" })).data.slugAvailability).toMatchObject({ available: false, reason: "RESERVED" });
    expect((await h.graphql(AVAILABILITY, { s: "phở-bò" })).data.slugAvailability).toMatchObject({ available: false, reason: "INVALID" });
  });
});

describe("Given a signed-in owner signing up a tenant", () => {
  it("creates the Tenant resource, makes them owner, and returns a token that carries the membership", async () => {
    const owner = await h.signIn(randomPhone());
    const slug = freshSlug();
    const result = await h.graphql(SIGNUP, { i: { slug, displayName: "Phở Bò Hà Nội", ownerName: "Chị Lan", plan: "GROWTH", locations: [{ name: "Quận 1" }] } }, owner.accessToken);
    expect(result.errors).toBeUndefined();
    expect(result.data.signupTenant).toMatchObject({ created: true, tenant: { slug, displayName: "Phở Bò Hà Nội", plan: "GROWTH", myRole: "OWNER", status: { phase: "Provisioning", ready: false } } });
    expect(decodeJwt(result.data.signupTenant.accessToken).memberships).toEqual([{ tenant: slug, role: "owner", locations: "*" }]);

    const resource = await h.registry.get(slug);
    expect(resource).toMatchObject({
      apiVersion: "localstoreplatform.com/v1alpha1",
      kind: "Tenant",
      metadata: { name: slug, annotations: { "localstoreplatform.com/owner-user-id": owner.user.id } },
      spec: { slug, displayName: "Phở Bò Hà Nội", plan: "growth", owner: { phone: owner.user.phone, name: "Chị Lan" }, isolation: "shared", locations: [{ name: "Quận 1" }] },
    });
  });

  it("starts the tenant's subscription on the chosen plan today, so its month gets invoiced; a retry starts nothing more", async () => {
    const owner = await h.signIn(randomPhone());
    const slug = freshSlug();
    const input = { i: { slug, displayName: "Bún Chả", ownerName: "Anh Tuấn", plan: "GROWTH" } };
    await h.graphql(SIGNUP, input, owner.accessToken);
    await h.graphql(SIGNUP, input, owner.accessToken);
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const { rows } = await h.db.pool.query(`select effective_on::text, plan from billing.subscription_changes where tenant_slug = $1`, [slug]);
    expect(rows).toEqual([{ effective_on: today, plan: "growth" }]);
  });

  it("is idempotent for the same owner and refuses the slug to anyone else", async () => {
    const owner = await h.signIn(randomPhone());
    const slug = freshSlug();
    const input = { i: { slug, displayName: "Cơm Tấm", ownerName: "Cô Ba" } };
    expect((await h.graphql(SIGNUP, input, owner.accessToken)).data.signupTenant.created).toBe(true);
    expect((await h.graphql(SIGNUP, input, owner.accessToken)).data.signupTenant.created).toBe(false);
    const other = await h.signIn(randomPhone());
    const refused = await h.graphql(SIGNUP, input, other.accessToken);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "SLUG_TAKEN", field: "slug" });
  });

  it("never hands back a token that outlives the one presented, so a retried signup cannot renew a session", async () => {
    const owner = await h.signIn(randomPhone());
    const input = { i: { slug: freshSlug(), displayName: "Hủ Tiếu", ownerName: "Chú Tư" } };
    const presented = decodeJwt(owner.accessToken).exp!;
    await new Promise((r) => setTimeout(r, 1_100));
    const first = (await h.graphql(SIGNUP, input, owner.accessToken)).data.signupTenant.accessToken as string;
    const again = (await h.graphql(SIGNUP, input, first)).data.signupTenant.accessToken as string;
    // Both carry the new membership, and neither expires later than the token first presented.
    for (const token of [first, again]) {
      expect(decodeJwt(token).memberships).toEqual([{ tenant: input.i.slug, role: "owner", locations: "*" }]);
      expect(decodeJwt(token).exp).toBe(presented);
    }
  });

  it("lets exactly one of two owners racing for a slug win", async () => {
    const [a, b] = await Promise.all([h.signIn(randomPhone()), h.signIn(randomPhone())]);
    const slug = freshSlug();
    const results = await Promise.all([a, b].map((o) => h.graphql(SIGNUP, { i: { slug, displayName: "Bún Chả", ownerName: "X" } }, o.accessToken)));
    expect(results.filter((r) => r.data?.signupTenant?.created === true)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === "SLUG_TAKEN")).toHaveLength(1);
  });

  it("treats a Tenant someone applied with kubectl as taken, and leaves no claim behind", async () => {
    const slug = freshSlug();
    await h.registry.create({ apiVersion: "localstoreplatform.com/v1alpha1", kind: "Tenant", metadata: { name: slug }, spec: { slug, displayName: "X", plan: "starter", owner: { phone: "+84900000000", name: "X" }, isolation: "shared" } });
    const owner = await h.signIn(randomPhone());
    const refused = await h.graphql(SIGNUP, { i: { slug, displayName: "Y", ownerName: "Y" } }, owner.accessToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe("SLUG_TAKEN");
    expect((await h.db.pool.query("SELECT 1 FROM control_plane.tenants WHERE slug = $1", [slug])).rowCount).toBe(0);
    expect((await h.db.pool.query("SELECT 1 FROM billing.subscription_changes WHERE tenant_slug = $1", [slug])).rowCount).toBe(0);
  });

  it("refuses reserved and invalid slugs, empty names and anonymous callers with codes", async () => {
    const owner = await h.signIn(randomPhone());
    const code = async (i: Record<string, unknown>, token?: string) => (await h.graphql(SIGNUP, { i }, token)).errors?.[0]?.extensions;
    expect(await code({ slug: "api", displayName: "A", ownerName: "B" }, owner.accessToken)).toMatchObject({ code: "SLUG_RESERVED", field: "slug" });
    expect(await code({ slug: "Phở Bò", displayName: "A", ownerName: "B" }, owner.accessToken)).toMatchObject({ code: "SLUG_INVALID" });
    expect(await code({ slug: freshSlug(), displayName: "  ", ownerName: "B" }, owner.accessToken)).toMatchObject({ code: "BAD_REQUEST", field: "displayName" });
    expect(await code({ slug: freshSlug(), displayName: "A", ownerName: "B" })).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await code({ slug: freshSlug(), displayName: "A", ownerName: "B" }, "not-a-token")).toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("Given a tenant being provisioned", () => {
  it("reports Provisioning until the platform marks it Ready, which polling observes", async () => {
    const owner = await h.signIn(randomPhone());
    const slug = freshSlug();
    await h.graphql(SIGNUP, { i: { slug, displayName: "Bánh Mì", ownerName: "Z" } }, owner.accessToken);
    const waiting = waitForTenantReady(h.registry, slug, { timeoutMs: 5_000, intervalMs: 50 });
    setTimeout(() => h.registry.markReady(slug), 200);
    await expect(waiting).resolves.toMatchObject({ metadata: { name: slug } });
    const status = await h.graphql(`query($s: String!) { tenant(slug: $s) { status { phase ready url conditions { type status } } } }`, { s: slug }, owner.accessToken);
    expect(status.data.tenant.status).toEqual({ phase: "Ready", ready: true, url: `https://${slug}.localstoreplatform.com`, conditions: [{ type: "Ready", status: "True" }] });
  });

  it("gives up polling with the Tenant's conditions in the message", async () => {
    await expect(waitForTenantReady(h.registry, "never-made", { timeoutMs: 200, intervalMs: 50 })).rejects.toThrow(/does not exist/);
  });

  it("lists the caller's tenants under me and myTenants, and hides others' tenants", async () => {
    const owner = await h.signIn(randomPhone());
    const slug = freshSlug();
    await h.graphql(SIGNUP, { i: { slug, displayName: "Chè", ownerName: "Q" } }, owner.accessToken);
    const mine = await h.graphql(`{ me { phone name memberships { tenantSlug role allLocations } } myTenants { slug } }`, {}, owner.accessToken);
    expect(mine.data).toEqual({ me: { phone: owner.user.phone, name: "Q", memberships: [{ tenantSlug: slug, role: "OWNER", allLocations: true }] }, myTenants: [{ slug }] });
    const stranger = await h.signIn(randomPhone());
    expect((await h.graphql(`query($s: String!) { tenant(slug: $s) { slug } }`, { s: slug }, stranger.accessToken)).data.tenant).toBeNull();
    expect((await h.graphql(`{ me { id } }`)).data.me).toBeNull();
  });
});

describe("Given an account signing up store after store", () => {
  it(`refuses a new store past ${SIGNUPS_PER_DAY} a day, with when to retry, while retries of one already made still answer`, async () => {
    const owner = await h.signIn(randomPhone());
    const slugs = Array.from({ length: SIGNUPS_PER_DAY + 1 }, () => freshSlug());
    const signup = (slug: string) => h.graphql(SIGNUP, { i: { slug, displayName: "Cơm Tấm", ownerName: "Chú Sáu" } }, owner.accessToken);
    for (const slug of slugs.slice(0, SIGNUPS_PER_DAY)) expect((await signup(slug)).errors).toBeUndefined();
    const over = await signup(slugs[SIGNUPS_PER_DAY]!);
    expect(over.errors?.[0]).toMatchObject({ extensions: { code: "RATE_LIMITED" } });
    expect(over.errors![0]!.extensions.retryAfterSeconds).toBeGreaterThan(86_000);
    expect((await h.graphql(AVAILABILITY, { s: slugs[SIGNUPS_PER_DAY] })).data.slugAvailability.available).toBe(true);
    expect((await signup(slugs[0]!)).data.signupTenant.created).toBe(false);
    // Another account is not held back by this one.
    expect((await h.graphql(SIGNUP, { i: { slug: freshSlug(), displayName: "Bánh Mì", ownerName: "Cô Hai" } }, (await h.signIn(randomPhone())).accessToken)).errors).toBeUndefined();
  });
});
