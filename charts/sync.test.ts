import { describe, expect, it } from "@jest/globals";
import { actualChartFiles, expectedChartFiles } from "./sync.js";

describe("Given the chart's copies of the CRDs and the operator's RBAC rules", () => {
  it("matches crds/*.yaml and operator/rbac.ts byte for byte (else run `npm run chart:sync`)", () => {
    const expected = expectedChartFiles();
    const actual = actualChartFiles();
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) expect({ path, content: actual.get(path) }).toEqual({ path, content });
  });
});
