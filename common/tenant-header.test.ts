import { describe, expect, it } from "@jest/globals";
import { signTenant, verifyTenant } from "./tenant-header.js";

describe("Given the signed tenant header", () => {
  const key = "routing-key";
  const now = 1_763_770_000;

  it("accepts a signature made by the same key for the same slug", () => {
    expect(verifyTenant(key, "pho-bo", signTenant(key, "pho-bo", now), now + 5)).toEqual({ ok: true, slug: "pho-bo" });
  });

  it("refuses a signature moved to another tenant's slug", () => {
    expect(verifyTenant(key, "bun-cha", signTenant(key, "pho-bo", now), now)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a signature from another key, an old one, a malformed one and a missing one", () => {
    expect(verifyTenant(key, "pho-bo", signTenant("other", "pho-bo", now), now).ok).toBe(false);
    expect(verifyTenant(key, "pho-bo", signTenant(key, "pho-bo", now - 301), now)).toEqual({ ok: false, reason: "expired" });
    expect(verifyTenant(key, "pho-bo", "t=1,v1=zz", now)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyTenant(key, "pho-bo", undefined, now)).toEqual({ ok: false, reason: "missing" });
  });
});
