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
