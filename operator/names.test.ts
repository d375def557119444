import { describe, expect, it } from "@jest/globals";
import { cellApiEndpoint, cellNamespace, dnsLabel } from "./names.js";

describe("Given names built with dnsLabel", () => {
  it("joins parts into a lowercase DNS label", () => {
    expect(dnsLabel("cell", "Shared_1")).toBe("cell-shared-1");
  });

  it("shortens long names to 63 chars with a hash suffix that keeps them distinct", () => {
    const a = dnsLabel("dedicated", "a".repeat(70));
    const b = dnsLabel("dedicated", `${"a".repeat(69)}b`);
    expect(a).toHaveLength(63);
    expect(b).toHaveLength(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("gives the cell API endpoint inside the cell's namespace", () => {
    expect(cellNamespace("shared-1")).toBe("cell-shared-1");
    expect(cellApiEndpoint("shared-1")).toBe("http://cell-api.cell-shared-1.svc.cluster.local:8080");
  });
});
