import { describe, expect, it } from "@jest/globals";
import { age, evaluatePath, renderTable } from "./columns.js";

describe("Given the printer columns of the CRDs", () => {
  const tenant = {
    metadata: { name: "pho-bo-hanoi", creationTimestamp: "2026-11-22T00:00:00Z" },
    spec: { plan: "growth" },
    status: { cell: "shared-1", url: "http://pho-bo-hanoi.localhost:8080", conditions: [{ type: "Placed", status: "True" }, { type: "Ready", status: "False" }] },
  };

  it("evaluates plain paths and condition filters", () => {
    expect(evaluatePath(tenant, ".status.cell")).toBe("shared-1");
    expect(evaluatePath(tenant, '.status.conditions[?(@.type=="Ready")].status')).toBe("False");
    expect(evaluatePath(tenant, '.status.conditions[?(@.type=="Routable")].status')).toBeUndefined();
    expect(evaluatePath(tenant, ".status.missing.deeper")).toBeUndefined();
  });

  it("renders kubectl's table with ages", () => {
    const table = renderTable("Tenant", [tenant], false, Date.parse("2026-11-22T02:30:00Z")).split("\n");
    expect(table[0]).toMatch(/^NAME\s+READY\s+CELL\s+PLAN\s+URL\s+AGE$/);
    expect(table[1]).toMatch(/^pho-bo-hanoi\s+False\s+shared-1\s+growth\s+http:\/\/pho-bo-hanoi\.localhost:8080\s+150m$/);
  });

  it("formats ages like kubectl", () => {
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    expect(age("2026-01-01T00:00:00Z", t0 + 45_000)).toBe("45s");
    expect(age("2026-01-01T00:00:00Z", t0 + 5 * 60_000 + 7_000)).toBe("5m7s");
    expect(age("2026-01-01T00:00:00Z", t0 + 12 * 60_000)).toBe("12m");
    expect(age("2026-01-01T00:00:00Z", t0 + 3 * 3_600_000 + 20 * 60_000)).toBe("3h20m");
    expect(age("2026-01-01T00:00:00Z", t0 + 30 * 3_600_000)).toBe("30h");
    expect(age("2026-01-01T00:00:00Z", t0 + 3 * 86_400_000 + 4 * 3_600_000)).toBe("3d4h");
    expect(age("2026-01-01T00:00:00Z", t0 + 400 * 86_400_000)).toBe("400d");
    expect(age("2026-01-01T00:00:00Z", t0 + (3 * 365 + 2) * 86_400_000)).toBe("3y2d");
  });
});
