import { describe, expect, it } from "@jest/globals";
import { cellCrd } from "./cell.crd.js";
import type { Schema } from "./openapi.js";

describe("Given the Cell CRD's rules on the whole object", () => {
  const root = cellCrd.spec.versions[0]!.schema!.openAPIV3Schema as unknown as Schema;
  const rules = root["x-kubernetes-validations"] ?? [];

  it("checks the name on create only: a rule on the whole object also runs on status writes and finalizer removal", () => {
    // Without optionalOldSelf and the oldSelf guard, a Cell stored before the rule (foo.bar) could
    // never be updated again, nor released by its finalizer — checked by hand against kube-apiserver
    // 1.34 (docs/crd-reference.md).
    expect(rules.map((r) => r.rule)).toEqual([expect.stringContaining("self.metadata.name.matches("), expect.stringContaining("size(self.metadata.name) <= 58")]);
    for (const rule of rules) {
      expect(rule.optionalOldSelf).toBe(true);
      expect(rule.rule).toMatch(/^oldSelf\.hasValue\(\) \|\| /);
    }
  });
});
