import { describe, expect, it } from "@jest/globals";
import type { Tenant } from "../api/v1alpha1/index.js";
import { Finalizers } from "../names.js";
import { observedAssignments } from "./context.js";

const tenant = (name: string, metadata: Partial<Tenant["metadata"]> = {}): Tenant =>
  ({ metadata: { name, labels: { "localstoreplatform.com/cell": "dedicated-x" }, ...metadata }, spec: { slug: name } }) as unknown as Tenant;

describe("Given the Tenants the cache shows", () => {
  it("counts a Tenant in its cell until its data is deprovisioned, also while it is being deleted", () => {
    const deleting = { deletionTimestamp: "2026-11-22T00:00:00Z" };
    const assignments = observedAssignments([
      tenant("serving"),
      tenant("deleting-with-data", { ...deleting, finalizers: [Finalizers.tenantData, "foregroundDeletion"] }),
      // Its rows are archived; only the foreground deletion of its dedicated Cell keeps it.
      tenant("deprovisioned", { ...deleting, finalizers: ["foregroundDeletion"] }),
    ]);
    expect([...assignments.keys()]).toEqual(["serving", "deleting-with-data"]);
  });
});
