// Access tokens are issued by the control plane and verified here offline against its JWKS.
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, AccessTokenClaims } from "../../common/index.js";

export type KeySource = { jwksUrl: string } | { jwks: JSONWebKeySet };

export function keySet(source: KeySource): JWTVerifyGetKey {
  // The remote set is fetched on first use and refreshed by jose when an unknown kid appears.
  return "jwksUrl" in source ? createRemoteJWKSet(new URL(source.jwksUrl)) : createLocalJWKSet(source.jwks);
}

export class InvalidAccessTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "InvalidAccessTokenError";
  }
}

// Verifying an ES256/RS256 signature costs more CPU than the rest of a cached dashboard request;
// a token already verified is remembered, per key set, until it expires (bounded, oldest out first).
type Remembered = Map<string, VerifiedAccessToken>;
const verifiedByKeys = new WeakMap<JWTVerifyGetKey, Remembered>();
const MAX_REMEMBERED = 10_000;

/** A verified token's claims and when it lapses (ms since the epoch). */
export interface VerifiedAccessToken {
  claims: AccessTokenClaims;
  expiresAt: number;
}

export async function verifyAccessToken(token: string, keys: JWTVerifyGetKey): Promise<VerifiedAccessToken> {
  let verified = verifiedByKeys.get(keys);
  if (!verified) verifiedByKeys.set(keys, (verified = new Map()));
  const known = verified.get(token);
  if (known && known.expiresAt > Date.now()) return known;
  const claims = await verifySignature(token, keys, verified);
  if (verified.size > MAX_REMEMBERED) verified.delete(verified.keys().next().value!);
  return claims;
}

async function verifySignature(token: string, keys: JWTVerifyGetKey, verified: Remembered): Promise<VerifiedAccessToken> {
  let payload: unknown;
  try {
    // exp is required: the control plane always sets one, and a token without it would be a
    // credential that never lapses (a leaked one could not be outlived).
    ({ payload } = await jwtVerify(token, keys, { issuer: ACCESS_TOKEN_ISSUER, audience: ACCESS_TOKEN_AUDIENCE, requiredClaims: ["exp"] }));
  } catch (error) {
    throw new InvalidAccessTokenError(`access token rejected: ${(error as Error).message}`);
  }
  const claims = AccessTokenClaims.safeParse(payload);
  if (!claims.success) throw new InvalidAccessTokenError(`access token claims malformed: ${claims.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  const result = { claims: claims.data, expiresAt: (payload as { exp: number }).exp * 1000 };
  verified.set(token, result);
  return result;
}
