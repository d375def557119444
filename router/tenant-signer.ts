// The signed tenant header (common/tenant-header.ts) on the hot path. With thousands of tenants
// the per-tenant-per-second cache rarely hits, so each request may need a fresh HMAC-SHA256.
// createHmac() re-derives the key pads every call; here the inner and outer hash states are
// keyed once and copied per signature (RFC 2104 computed by hand), about 4x cheaper, with
// output identical to signTenant() — a unit test holds it to that.
import { createHash, type Hash } from "node:crypto";

const BLOCK = 64;

export class TenantSigner {
  readonly #inner: Hash;
  readonly #outer: Hash;

  constructor(key: string | Buffer) {
    let k = typeof key === "string" ? Buffer.from(key) : key;
    if (k.length > BLOCK) k = createHash("sha256").update(k).digest();
    const ipad = Buffer.alloc(BLOCK, 0x36);
    const opad = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < k.length; i++) {
      ipad[i]! ^= k[i]!;
      opad[i]! ^= k[i]!;
    }
    this.#inner = createHash("sha256").update(ipad);
    this.#outer = createHash("sha256").update(opad);
  }

  /** Same value as signTenant(key, slug, nowSeconds). */
  sign(slug: string, nowSeconds: number): string {
    const inner = this.#inner.copy().update(`v1\n${nowSeconds}\n${slug}`).digest();
    return `t=${nowSeconds},v1=${this.#outer.copy().update(inner).digest("hex")}`;
  }
}
