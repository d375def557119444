// Signs the 15-minute access tokens every cell verifies offline (claims: common/auth-claims.ts).
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, type AccessTokenClaims } from "../../common/auth-claims.js";
import type { KeyRing } from "./keys.js";
import { SIGNING_ALG } from "./keys.js";
import { ACCESS_TOKEN_TYPE } from "./verify-access-token.js";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** `notAfter` (seconds since the epoch): the token expires then at the latest. */
export async function signAccessToken(keys: KeyRing, claims: AccessTokenClaims, options: { now?: Date; ttlSeconds?: number; notAfter?: number } = {}): Promise<string> {
  const now = options.now ?? new Date();
  const { kid, key } = keys.signingKey(now);
  const iat = Math.floor(now.getTime() / 1000);
  const exp = Math.min(iat + (options.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS), options.notAfter ?? Infinity);
  return new SignJWT({ phone: claims.phone, memberships: claims.memberships })
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYPE })
    .setSubject(claims.sub)
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(key);
}
