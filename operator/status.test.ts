import { describe, expect, it } from "@jest/globals";
import { sameStatus, setConditions } from "./status.js";

describe("Given conditions being updated", () => {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const t1 = new Date("2026-01-01T00:05:00Z");

  it("keeps lastTransitionTime when the status did not change and moves it when it did", () => {
    const first = setConditions(undefined, [{ type: "Ready", status: "False", reason: "Waiting", message: "" }], 1, t0);
    const same = setConditions(first, [{ type: "Ready", status: "False", reason: "StillWaiting", message: "x" }], 2, t1);
    expect(same[0]).toMatchObject({ lastTransitionTime: t0.toISOString(), reason: "StillWaiting", observedGeneration: 2 });
    const flipped = setConditions(same, [{ type: "Ready", status: "True", reason: "Ready", message: "" }], 2, t1);
    expect(flipped[0]!.lastTransitionTime).toBe(t1.toISOString());
  });

  it("compares statuses ignoring transition times and key order", () => {
    const a = { cell: "x", conditions: setConditions(undefined, [{ type: "Ready", status: "True", reason: "R", message: "" }], 1, t0) };
    const b = { conditions: setConditions(undefined, [{ type: "Ready", status: "True", reason: "R", message: "" }], 1, t1), cell: "x" };
    expect(sameStatus(a, b)).toBe(true);
    expect(sameStatus(a, { ...b, cell: "y" })).toBe(false);
  });
});
