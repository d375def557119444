// The router's signed tenant header, verified once per distinct signature. The router signs each
// tenant at most once a second and reuses the value, so a busy tenant's requests arrive with the
// same header many times; an HMAC per request was a visible share of a request's CPU. A remembered
// header is only reused while its timestamp is still within the tolerance, so the result is the
// same as verifying it again.
import { TENANT_SIGNATURE_TOLERANCE_SECONDS, verifyTenant, type TenantHeaderCheck } from "../../common/index.js";

const MAX_REMEMBERED = 10_000;
/** Per signing key: "<slug>\n<signature>" → the signature's timestamp (seconds). */
const verifiedByKey = new Map<string, Map<string, number>>();

export function verifyTenantHeader(key: string, slug: string | undefined, signature: string | undefined, nowSeconds = Math.floor(Date.now() / 1000)): TenantHeaderCheck {
  let verified = verifiedByKey.get(key);
  if (!verified) verifiedByKey.set(key, (verified = new Map()));
  const memo = slug && signature ? `${slug}\n${signature}` : undefined;
  const t = memo ? verified.get(memo) : undefined;
  if (t !== undefined && Math.abs(nowSeconds - t) <= TENANT_SIGNATURE_TOLERANCE_SECONDS) return { ok: true, slug: slug! };
  const check = verifyTenant(key, slug, signature, nowSeconds);
  if (check.ok && memo) {
    if (verified.size >= MAX_REMEMBERED) verified.delete(verified.keys().next().value!);
    verified.set(memo, Number(/^t=(\d+),/.exec(signature!)![1]));
  } else if (memo) {
    verified.delete(memo);
  }
  return check;
}
