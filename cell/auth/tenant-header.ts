// The router's signed tenant header, verified once per distinct signature. The router signs each
// tenant at most once a second and reuses the value, so a busy tenant's requests arrive with the
// same header many times; an HMAC per request was a visible share of a request's CPU. A remembered
// header is only reused while its timestamp is still within the tolerance, so the result is the
// same as verifying it again.
//
// During a key rotation the cell holds two keys (ROUTER_SIGNING_KEY and
// ROUTER_SIGNING_KEY_PREVIOUS): a header signed under either is accepted, since router replicas
// move to the new key one by one. The current key is tried first; the previous one only when the
// current one finds a bad signature, so a cell outside a rotation does no extra work.
import { TENANT_SIGNATURE_TOLERANCE_SECONDS, verifyTenant, type TenantHeaderCheck } from "../../common/index.js";

/** The key the router signs with now and, during a rotation, the key it signed with before. */
export interface RouterSigningKeys {
  current: string;
  previous?: string | undefined;
}

const MAX_REMEMBERED = 10_000;
/** Per signing key: "<slug>\n<signature>" → the signature's timestamp (seconds). */
const verifiedByKey = new Map<string, Map<string, number>>();

function rememberedFor(key: string): Map<string, number> {
  let verified = verifiedByKey.get(key);
  if (!verified) verifiedByKey.set(key, (verified = new Map()));
  return verified;
}

function remembers(verified: Map<string, number>, memo: string, nowSeconds: number): boolean {
  const t = verified.get(memo);
  return t !== undefined && Math.abs(nowSeconds - t) <= TENANT_SIGNATURE_TOLERANCE_SECONDS;
}

function verifyAndRemember(verified: Map<string, number>, key: string, slug: string | undefined, signature: string | undefined, memo: string | undefined, nowSeconds: number): TenantHeaderCheck {
  const check = verifyTenant(key, slug, signature, nowSeconds);
  if (check.ok && memo) {
    if (verified.size >= MAX_REMEMBERED) verified.delete(verified.keys().next().value!);
    verified.set(memo, Number(/^t=(\d+),/.exec(signature!)![1]));
  } else if (memo) {
    verified.delete(memo);
  }
  return check;
}

/**
 * Checks the header against `keys` (one key, or the current and previous keys of a rotation):
 * a header valid under either is valid, with the same result verifyTenant gives for that key.
 */
export function verifyTenantHeader(keys: string | RouterSigningKeys, slug: string | undefined, signature: string | undefined, nowSeconds = Math.floor(Date.now() / 1000)): TenantHeaderCheck {
  const current = typeof keys === "string" ? keys : keys.current;
  const previous = typeof keys === "string" || keys.previous === current ? undefined : keys.previous;
  const verified = rememberedFor(current);
  const memo = slug && signature ? `${slug}\n${signature}` : undefined;
  if (memo && remembers(verified, memo, nowSeconds)) return { ok: true, slug: slug! };
  const earlier = previous ? rememberedFor(previous) : undefined;
  if (memo && earlier && remembers(earlier, memo, nowSeconds)) return { ok: true, slug: slug! };
  const check = verifyAndRemember(verified, current, slug, signature, memo, nowSeconds);
  // Missing, malformed or expired does not depend on the key: only a bad signature may be the previous key's.
  if (check.ok || check.reason !== "bad-signature" || !earlier) return check;
  return verifyAndRemember(earlier, previous!, slug, signature, memo, nowSeconds);
}
