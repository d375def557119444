// The tenant comes only from the router's signed header; the token must be valid and hold a
// membership of that tenant; archived or unknown tenants are refused.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { signTenant, TENANT_HEADER, TENANT_SIGNATURE_HEADER } from "../../common/index.js";
import { deprovisionTenant } from "../provisioning/index.js";
import { startTestCell, type TestCell } from "../testing/cell.js";
import { createTokenIssuer, ROUTER_SIGNING_KEY, routerHeaders } from "../testing/identity.js";

const ME = "{ me { role userId } tenant { slug } }";

describe("Given a cell serving tenant pho-bo", () => {
  let cell: TestCell;

  beforeAll(async () => {
    cell = await startTestCell("auth");
    await cell.provision({ slug: "pho-bo" });
    await cell.provision({ slug: "bun-cha" });
    await cell.provision({ slug: "closed" });
    await deprovisionTenant(cell.db.admin, cell.db.cellName, "closed", "archive");
  });
  afterAll(() => cell.close());

  async function post(headers: Record<string, string>, query = ME) {
    const response = await cell.server.fetch("http://cell/graphql", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query }) });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
  }
  const codeOf = (r: Awaited<ReturnType<typeof post>>) => r.body.errors?.[0]?.extensions?.code;

  it("answers a member of the tenant with their role", async () => {
    const data = await cell.ok<{ me: { role: string; userId: string }; tenant: { slug: string } }>({ tenant: "pho-bo", role: "manager", sub: "u-42" }, ME);
    expect(data).toEqual({ me: { role: "MANAGER", userId: "u-42" }, tenant: { slug: "pho-bo" } });
  });

  it("refuses a request without the router's signed tenant header", async () => {
    const token = await cell.issuer.token({ memberships: [{ tenant: "pho-bo", role: "owner", locations: "*" }] });
    const r = await post({ authorization: `Bearer ${token}`, [TENANT_HEADER]: "pho-bo" });
    expect([r.status, codeOf(r)]).toEqual([401, "TENANT_HEADER_INVALID"]);
  });

  it("refuses a tenant header signed with another key (a client cannot forge it)", async () => {
    const token = await cell.issuer.token({ memberships: [{ tenant: "pho-bo", role: "owner", locations: "*" }] });
    const r = await post({ authorization: `Bearer ${token}`, [TENANT_HEADER]: "pho-bo", [TENANT_SIGNATURE_HEADER]: signTenant("not-the-router-key-at-all", "pho-bo") });
    expect([r.status, codeOf(r)]).toEqual([401, "TENANT_HEADER_INVALID"]);
  });

  it("refuses a signature made for another tenant's slug", async () => {
    const token = await cell.issuer.token({ memberships: [{ tenant: "pho-bo", role: "owner", locations: "*" }] });
    const r = await post({ authorization: `Bearer ${token}`, [TENANT_HEADER]: "pho-bo", [TENANT_SIGNATURE_HEADER]: signTenant(ROUTER_SIGNING_KEY, "bun-cha") });
    expect([r.status, codeOf(r)]).toEqual([401, "TENANT_HEADER_INVALID"]);
  });

  it("refuses a request without a token, or with a token from another issuer key", async () => {
    expect(codeOf(await post(routerHeaders("pho-bo")))).toBe("UNAUTHENTICATED");
    const stranger = await createTokenIssuer("test-key-1");
    const forged = await stranger.token({ memberships: [{ tenant: "pho-bo", role: "owner", locations: "*" }] });
    const r = await post({ authorization: `Bearer ${forged}`, ...routerHeaders("pho-bo") });
    expect([r.status, codeOf(r)]).toEqual([401, "UNAUTHENTICATED"]);
  });

  it("refuses an expired token and one from the wrong issuer", async () => {
    const expired = await cell.issuer.token({ memberships: [{ tenant: "pho-bo", role: "owner", locations: "*" }] }, { expiresIn: "-1m" });
    expect(codeOf(await post({ authorization: `Bearer ${expired}`, ...routerHeaders("pho-bo") }))).toBe("UNAUTHENTICATED");
    const wrongIssuer = await cell.issuer.token({ memberships: [{ tenant: "pho-bo", role: "owner", locations: "*" }] }, { issuer: "https://evil.example" });
    expect(codeOf(await post({ authorization: `Bearer ${wrongIssuer}`, ...routerHeaders("pho-bo") }))).toBe("UNAUTHENTICATED");
  });

  it("refuses a token whose memberships do not include the routed tenant", async () => {
    const token = await cell.issuer.token({ memberships: [{ tenant: "bun-cha", role: "owner", locations: "*" }] });
    const r = await post({ authorization: `Bearer ${token}`, ...routerHeaders("pho-bo") });
    expect([r.status, codeOf(r)]).toEqual([403, "FORBIDDEN"]);
  });

  it("refuses an archived tenant and one this cell does not serve", async () => {
    const closed = await cell.gql({ tenant: "closed", role: "owner" }, ME);
    expect([closed.status, closed.errors?.[0]?.extensions?.code]).toEqual([403, "TENANT_ARCHIVED"]);
    const unknown = await cell.gql({ tenant: "elsewhere", role: "owner" }, ME);
    expect([unknown.status, unknown.errors?.[0]?.extensions?.code]).toEqual([404, "TENANT_NOT_FOUND"]);
  });
});

describe("Given a router signing key rotation", () => {
  // What the operator gives a cell while the router moves to a new key: the new key as
  // ROUTER_SIGNING_KEY and the one before it as ROUTER_SIGNING_KEY_PREVIOUS.
  const PREVIOUS_KEY = "previous-router-signing-key-0123456789";
  let rotating: TestCell;
  let settled: TestCell;

  beforeAll(async () => {
    [rotating, settled] = await Promise.all([startTestCell("auth-rotating", { routerSigningKeyPrevious: PREVIOUS_KEY }), startTestCell("auth-settled")]);
    await Promise.all([rotating.provision({ slug: "pho-bo" }), settled.provision({ slug: "pho-bo" })]);
  });
  afterAll(() => Promise.all([rotating?.close(), settled?.close()]));

  async function asOwner(cell: TestCell, routerKey: string) {
    const token = await cell.issuer.token({ memberships: [{ tenant: "pho-bo", role: "owner", locations: "*" }] });
    const response = await cell.server.fetch("http://cell/graphql", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...routerHeaders("pho-bo", routerKey) }, body: JSON.stringify({ query: ME }) });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
  }

  it("accepts a header signed with the previous key, as well as the current one, only when the previous key is configured", async () => {
    expect(await asOwner(rotating, PREVIOUS_KEY)).toEqual({ status: 200, body: { data: { me: { role: "OWNER", userId: "user-1" }, tenant: { slug: "pho-bo" } } } });
    expect((await asOwner(rotating, ROUTER_SIGNING_KEY)).status).toBe(200);
    const neither = await asOwner(rotating, "neither-router-key-0123456789");
    expect([neither.status, neither.body.errors?.[0]?.extensions?.code]).toEqual([401, "TENANT_HEADER_INVALID"]);
    // The same header at a cell with no previous key configured: refused.
    const settledCell = await asOwner(settled, PREVIOUS_KEY);
    expect([settledCell.status, settledCell.body.errors?.[0]?.extensions?.code]).toEqual([401, "TENANT_HEADER_INVALID"]);
    expect((await asOwner(settled, ROUTER_SIGNING_KEY)).status).toBe(200);
  });
});
