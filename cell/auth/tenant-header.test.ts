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
