import { describe, expect, it } from "@jest/globals";
import type { Tenant } from "../../operator/api/v1alpha1/index.js";
import { TenantRoutes } from "./tenant-routes.js";

function tenant(name: string, slug: string, status: Tenant["status"] = {}, suspended = false): Tenant {
  return {
    apiVersion: "localstoreplatform.com/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: { slug, displayName: name, plan: "starter", owner: { phone: "+84900000000", name: "Owner" }, isolation: "shared", suspended },
    status,
  };
}

describe("Given Tenant objects from the API", () => {
  it("routes spec.slug to status.endpoint with suspension and hold", () => {
    const routes = new TenantRoutes();
    routes.upsert(tenant("t1", "pho", { endpoint: "http://cell-a:8080", hold: true }, true));
    expect(routes.specFor("pho")).toEqual({ endpoint: "http://cell-a:8080", suspended: true, hold: true });
    routes.upsert(tenant("t2", "bun"));
    expect(routes.specFor("bun")).toEqual({ endpoint: undefined, suspended: false, hold: false });
  });

  it("withdraws a slug two Tenants claim until one of them goes", () => {
    const routes = new TenantRoutes();
    routes.upsert(tenant("t1", "pho", { endpoint: "http://cell-a:8080" }));
    expect(routes.upsert(tenant("t2", "pho", { endpoint: "http://cell-b:8080" }))).toEqual(["pho"]);
    expect(routes.specFor("pho")).toBeUndefined();
    expect(routes.conflicts()).toEqual(["pho"]);
    expect(routes.all().has("pho")).toBe(false);
    routes.remove("t1");
    expect(routes.specFor("pho")).toEqual({ endpoint: "http://cell-b:8080", suspended: false, hold: false });
  });

  it("moves a renamed slug: the old one stops routing", () => {
    const routes = new TenantRoutes();
    routes.upsert(tenant("t1", "pho", { endpoint: "http://cell-a:8080" }));
    expect(routes.upsert(tenant("t1", "pho2", { endpoint: "http://cell-a:8080" })).sort()).toEqual(["pho", "pho2"]);
    expect(routes.specFor("pho")).toBeUndefined();
    expect(routes.specFor("pho2")?.endpoint).toBe("http://cell-a:8080");
  });
});
