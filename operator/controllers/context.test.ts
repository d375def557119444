import { describe, expect, it } from "@jest/globals";
import type { Cell, Tenant } from "../api/v1alpha1/index.js";
import { Finalizers } from "../names.js";
import { isCellReady, isMoveTargetReady, observedAssignments } from "./context.js";

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

describe("Given a Cell's conditions", () => {
  const cell = (conditions: Record<string, "True" | "False">) =>
    ({ status: { conditions: Object.entries(conditions).map(([type, status]) => ({ type, status, reason: "R", message: "", lastTransitionTime: "2026-11-22T00:00:00Z" })) } }) as unknown as Cell;

  it("routes to a cell that serves but is not whole, and moves no tenant into it until it is", () => {
    const degraded = cell({ DatabaseReady: "True", Ready: "True", Available: "False" });
    expect(isCellReady(degraded)).toBe(true);
    expect(isMoveTargetReady(degraded)).toBe(false);
    expect(isMoveTargetReady(cell({ DatabaseReady: "True", Ready: "True", Available: "True" }))).toBe(true);
    expect(isMoveTargetReady(cell({ DatabaseReady: "False", Ready: "True", Available: "True" }))).toBe(false);
  });
});
