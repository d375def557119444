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

export async function verifyAccessToken(token: string, keys: JWTVerifyGetKey): Promise<AccessTokenClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keys, { issuer: ACCESS_TOKEN_ISSUER, audience: ACCESS_TOKEN_AUDIENCE }));
  } catch (error) {
    throw new InvalidAccessTokenError(`access token rejected: ${(error as Error).message}`);
  }
  const claims = AccessTokenClaims.safeParse(payload);
  if (!claims.success) throw new InvalidAccessTokenError(`access token claims malformed: ${claims.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  return claims.data;
}
