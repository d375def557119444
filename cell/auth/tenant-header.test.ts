import { describe, expect, it } from "@jest/globals";
import { signTenant, TENANT_SIGNATURE_TOLERANCE_SECONDS, verifyTenant } from "../../common/index.js";
import { verifyTenantHeader } from "./tenant-header.js";

const KEY = "unit-test-router-key-0123456789";
const NOW = 1_763_770_000;

describe("Given the router's signed tenant header", () => {
  it("accepts a valid header, and again from memory, exactly as verifyTenant does", () => {
    const signature = signTenant(KEY, "pho-24", NOW);
    expect(verifyTenantHeader(KEY, "pho-24", signature, NOW)).toEqual(verifyTenant(KEY, "pho-24", signature, NOW));
    expect(verifyTenantHeader(KEY, "pho-24", signature, NOW + 1)).toEqual({ ok: true, slug: "pho-24" });
  });

  it("refuses a remembered header once its timestamp is out of tolerance", () => {
    const signature = signTenant(KEY, "bun-cha", NOW);
    expect(verifyTenantHeader(KEY, "bun-cha", signature, NOW).ok).toBe(true);
    expect(verifyTenantHeader(KEY, "bun-cha", signature, NOW + TENANT_SIGNATURE_TOLERANCE_SECONDS + 1)).toEqual({ ok: false, reason: "expired" });
  });

  it("does not let a remembered header vouch for another slug, another signature or another key", () => {
    const signature = signTenant(KEY, "com-tam", NOW);
    expect(verifyTenantHeader(KEY, "com-tam", signature, NOW).ok).toBe(true);
    expect(verifyTenantHeader(KEY, "banh-mi", signature, NOW)).toEqual({ ok: false, reason: "bad-signature" });
    const tampered = signature.slice(0, -1) + (signature.endsWith("0") ? "1" : "0");
    expect(verifyTenantHeader(KEY, "com-tam", tampered, NOW)).toEqual({ ok: false, reason: "bad-signature" });
    expect(verifyTenantHeader("another-router-key-0123456789", "com-tam", signature, NOW)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("reports a missing or malformed header like verifyTenant", () => {
    expect(verifyTenantHeader(KEY, undefined, undefined, NOW)).toEqual({ ok: false, reason: "missing" });
    expect(verifyTenantHeader(KEY, "pho-24", "v1=nope", NOW)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("Given a router signing key rotation (the current and the previous key)", () => {
  const PREVIOUS = "unit-test-previous-router-key-0123";
  const keys = { current: KEY, previous: PREVIOUS };

  it("accepts a header signed with the previous key, and again from memory", () => {
    const signature = signTenant(PREVIOUS, "hu-tieu", NOW);
    expect(verifyTenantHeader(keys, "hu-tieu", signature, NOW)).toEqual({ ok: true, slug: "hu-tieu" });
    expect(verifyTenantHeader(keys, "hu-tieu", signature, NOW + 1)).toEqual({ ok: true, slug: "hu-tieu" });
    expect(verifyTenantHeader(keys, "hu-tieu", signTenant(KEY, "hu-tieu", NOW), NOW)).toEqual({ ok: true, slug: "hu-tieu" });
  });

  it("refuses a header signed with the previous key once no previous key is configured, even one it remembers", () => {
    const signature = signTenant(PREVIOUS, "mi-quang", NOW);
    expect(verifyTenantHeader(keys, "mi-quang", signature, NOW).ok).toBe(true);
    expect(verifyTenantHeader(KEY, "mi-quang", signature, NOW)).toEqual({ ok: false, reason: "bad-signature" });
    expect(verifyTenantHeader({ current: KEY }, "mi-quang", signature, NOW)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a header signed with neither key, and reports other problems as for one key", () => {
    expect(verifyTenantHeader(keys, "cao-lau", signTenant("a-third-router-key-0123456789", "cao-lau", NOW), NOW)).toEqual({ ok: false, reason: "bad-signature" });
    expect(verifyTenantHeader(keys, "cao-lau", signTenant(PREVIOUS, "cao-lau", NOW - TENANT_SIGNATURE_TOLERANCE_SECONDS - 1), NOW)).toEqual({ ok: false, reason: "expired" });
    expect(verifyTenantHeader(keys, "cao-lau", "v1=nope", NOW)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyTenantHeader(keys, undefined, undefined, NOW)).toEqual({ ok: false, reason: "missing" });
  });

  it("does not let a remembered previous-key header vouch for another slug", () => {
    const signature = signTenant(PREVIOUS, "banh-cuon", NOW);
    expect(verifyTenantHeader(keys, "banh-cuon", signature, NOW).ok).toBe(true);
    expect(verifyTenantHeader(keys, "banh-canh", signature, NOW)).toEqual({ ok: false, reason: "bad-signature" });
  });
});
