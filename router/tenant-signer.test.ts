import { describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { signTenant, verifyTenant } from "../common/index.js";
import { TenantSigner } from "./tenant-signer.js";

describe("Given the router's precomputed tenant signer", () => {
  it("produces exactly what signTenant produces, for short, block-sized and long keys", () => {
    for (const key of ["sixteen-byte-key", "k".repeat(64), randomBytes(100), "a-key-that-is-much-longer-than-one-sha256-block-of-sixty-four-bytes!!"]) {
      const signer = new TenantSigner(key);
      for (const [slug, t] of [["pho", 1795306930], ["bun-bo-hue", 1], ["a", 1795306931]] as const) {
        expect(signer.sign(slug, t)).toBe(signTenant(key, slug, t));
        expect(verifyTenant(key, slug, signer.sign(slug, t), t)).toEqual({ ok: true, slug });
      }
    }
  });

  it("gives different signatures for different tenants and seconds", () => {
    const signer = new TenantSigner("sixteen-byte-key");
    expect(signer.sign("pho", 1)).not.toBe(signer.sign("phở", 1));
    expect(signer.sign("pho", 1)).not.toBe(signer.sign("pho", 2));
  });
});
