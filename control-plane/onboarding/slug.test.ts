import { describe, expect, it } from "@jest/globals";
import { checkSlug } from "./slug.js";

describe("Given slugs an owner might type", () => {
  it.each(["pho-bo-hanoi", "com-tam-79", "abc", "a".repeat(40)])("accepts %s", (slug) => {
    expect(checkSlug(slug)).toEqual({ ok: true, slug });
  });

  it("lower-cases and trims before checking", () => {
    expect(checkSlug("  Pho-Bo ")).toEqual({ ok: true, slug: "pho-bo" });
  });

  it.each(["ab", "a".repeat(41), "-pho", "pho-", "phở-bò", "pho_bo", "pho.bo"])("refuses %j as INVALID", (slug) => {
    expect(checkSlug(slug)).toMatchObject({ ok: false, reason: "INVALID" });
  });

  it.each(["app", "www", "api", "admin", "ADMIN"])("refuses the platform's own host %s as RESERVED", (slug) => {
    expect(checkSlug(slug)).toMatchObject({ ok: false, reason: "RESERVED" });
  });
});

describe("Given the operator's Tenant CRD", () => {
  it("refuses at signup every word the CRD refuses, so signup never passes a slug the apiserver rejects", async () => {
    const { readFileSync } = await import("node:fs");
    const { parse } = await import("yaml");
    const crd = parse(readFileSync(new URL("../../crds/localstoreplatform.com_tenants.yaml", import.meta.url), "utf8"));
    const slugSchema = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.slug;
    const rule: string = slugSchema["x-kubernetes-validations"].map((v: { rule: string }) => v.rule).find((r: string) => r.includes(" in ["));
    const words = [...rule.matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1]!);
    expect(words.length).toBeGreaterThanOrEqual(4);
    for (const w of words) expect(checkSlug(w)).toMatchObject({ ok: false, reason: "RESERVED" });
    // Signup's length rule is inside the CRD's.
    expect(slugSchema.minLength).toBeLessThanOrEqual(3);
    expect(slugSchema.maxLength).toBeGreaterThanOrEqual(40);
  });
});
