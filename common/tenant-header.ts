// The router tells a cell which tenant a request is for with a signed header. Cells trust only
// this header (never a client-chosen value): the router strips any client-supplied copy, and the
// HMAC proves the value came from a router holding the platform's routing key.
//
//   x-lsp-tenant:            pho-bo-hanoi
//   x-lsp-tenant-signature:  t=1763770000,v1=<hex HMAC-SHA256(key, "v1\n<t>\n<slug>")>
import { createHmac, timingSafeEqual } from "node:crypto";

export const TENANT_HEADER = "x-lsp-tenant";
export const TENANT_SIGNATURE_HEADER = "x-lsp-tenant-signature";
/** How far a signature's timestamp may be from the verifier's clock. */
export const TENANT_SIGNATURE_TOLERANCE_SECONDS = 300;

function mac(key: string | Buffer, slug: string, t: number): string {
  return createHmac("sha256", key).update(`v1\n${t}\n${slug}`).digest("hex");
}

export function signTenant(key: string | Buffer, slug: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  return `t=${nowSeconds},v1=${mac(key, slug, nowSeconds)}`;
}

export type TenantHeaderCheck =
  | { ok: true; slug: string }
  | { ok: false; reason: "missing" | "malformed" | "expired" | "bad-signature" };

export function verifyTenant(
  key: string | Buffer,
  slug: string | undefined,
  signature: string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): TenantHeaderCheck {
  if (!slug || !signature) return { ok: false, reason: "missing" };
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(signature);
  if (!match) return { ok: false, reason: "malformed" };
  const t = Number(match[1]);
  if (Math.abs(nowSeconds - t) > TENANT_SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: "expired" };
  const expected = Buffer.from(mac(key, slug, t), "hex");
  const given = Buffer.from(match[2]!, "hex");
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: "bad-signature" };
  return { ok: true, slug };
}
