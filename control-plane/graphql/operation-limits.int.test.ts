// What one GraphQL request may ask of the control plane: operation cost and depth, body size,
// and what the caller learns when the Kubernetes API fails underneath.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { MemoryTenantRegistry } from "../onboarding/memory-registry.js";
import { randomPhone } from "../testing/databases.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { OPERATION_LIMITS } from "./operation-cost.js";

/** The apiserver's own words, as the Kubernetes registry's errors carry them. */
const INTERNALS = 'HTTP 403: tenants.localstoreplatform.com "x" is forbidden: User "system:serviceaccount:lsp-system:control-plane" cannot get resource at https://10.96.0.1:443';

class FailingRegistry extends MemoryTenantRegistry {
  failing = false;
  override async isSlugTaken(slug: string): Promise<boolean> {
    if (this.failing) throw new Error(`could not get Tenant '${slug}': ${INTERNALS}`);
    return super.isSlugTaken(slug);
  }
}

const rollup = (alias: string) => `${alias}: ownerRollup(from: "2026-11-01", to: "2026-11-02") { total { orders } }`;
const refusal = (reply: { errors?: { extensions?: { code?: string } }[] }) => reply.errors?.map((e) => e.extensions?.code);

describe("Given the control plane's GraphQL endpoint", () => {
  const registry = new FailingRegistry();
  let h: Harness;
  let owner: string;
  beforeAll(async () => {
    h = await startHarness({ tenantRegistry: registry });
    owner = (await h.signIn(randomPhone())).accessToken;
  });
  afterAll(async () => {
    await h.stop();
  });

  it("runs one owner rollup, and refuses two in one request (they would take every pooled connection)", async () => {
    expect(refusal(await h.graphql(`{ ${rollup("a")} }`, {}, owner))).toBeUndefined();
    const two = await h.graphql(`{ ${rollup("a")} ${rollup("b")} }`, {}, owner);
    expect(refusal(two)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(two.errors![0]!.message).toContain(`over the limit of ${OPERATION_LIMITS.cost}`);
    expect(two.data).toBeUndefined();
  });

  it("counts aliases spread through fragments, however they are nested", async () => {
    const query = `
      fragment A on Query { ${rollup("a")} }
      fragment B on Query { ...A ${rollup("b")} }
      query { ...B }`;
    expect(refusal(await h.graphql(query, {}, owner))).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("refuses an anonymous request that aliases the slug check a hundred times, and serves a few", async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `s${i}: slugAvailability(slug: "pho-${i}") { available }`).join(" ")} }`;
    expect(refusal(await h.graphql(aliases(100)))).toEqual(["QUERY_TOO_COMPLEX"]);
    const few = await h.graphql(aliases(3));
    expect(refusal(few)).toBeUndefined();
    expect(few.data.s2).toEqual({ available: true });
  });

  it("still answers introspection, which tools send deep", async () => {
    const deep = await h.graphql(`{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } }`);
    expect(refusal(deep)).toBeUndefined();
    expect(deep.data.__schema.types.length).toBeGreaterThan(10);
  });

  it("refuses a body over 64 KB before reading it", async () => {
    const reply = await fetch(`${h.cp.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ me { id } }`, variables: { padding: "x".repeat(70_000) } }),
    });
    expect(reply.status).toBe(413);
    expect(((await reply.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("REQUEST_ENTITY_TOO_LARGE");
  });

  it("tells an anonymous caller the registry is unavailable without the apiserver's address, account or words", async () => {
    registry.failing = true;
    try {
      const reply = await h.graphql(`{ slugAvailability(slug: "com-tam-ba-ghien") { available } }`);
      expect(refusal(reply)).toEqual(["TENANT_REGISTRY_UNAVAILABLE"]);
      const text = JSON.stringify(reply);
      for (const secret of ["10.96.0.1", "serviceaccount", "forbidden", "HTTP 403"]) expect(text).not.toContain(secret);
    } finally {
      registry.failing = false;
    }
  });
});
