// What a cell runs on every request to trust an access token offline: signature against the
// control plane's JWKS, issuer, audience, expiry, claim shape, and membership of the cell's tenant.
// Depends only on jose and common/, so cells import it without pulling in the control plane.
import { errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, AccessTokenClaims, membershipFor, type Membership } from "../../common/auth-claims.js";

export const ACCESS_TOKEN_ALGORITHMS = ["EdDSA"];
export const ACCESS_TOKEN_TYPE = "at+jwt";

export type AccessTokenErrorCode = "TOKEN_MISSING" | "TOKEN_EXPIRED" | "TOKEN_INVALID" | "TENANT_FORBIDDEN";

export class AccessTokenError extends Error {
  constructor(
    readonly code: AccessTokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AccessTokenError";
  }
  /** 401 for a token that proves nothing, 403 for a good token of somebody with no access here. */
  get status(): 401 | 403 {
    return this.code === "TENANT_FORBIDDEN" ? 403 : 401;
  }
}

export interface VerifiedAccessToken {
  claims: AccessTokenClaims;
  /** The token's `exp` (seconds since the epoch). */
  expiresAt: number;
  /** The caller's membership of `options.tenant`; present whenever a tenant was asked for. */
  membership?: Membership;
}

export interface VerifyOptions {
  /** The tenant this service serves (a cell passes the slug from the router's signed header). */
  tenant?: string;
  currentDate?: Date;
  clockToleranceSeconds?: number;
}

/** `jwks` is `createRemoteJWKSet(new URL(".../.well-known/jwks.json"))` in a cell. */
export async function verifyAccessToken(token: string | undefined, jwks: JWTVerifyGetKey, options: VerifyOptions = {}): Promise<VerifiedAccessToken> {
  if (!token) throw new AccessTokenError("TOKEN_MISSING", "an access token is required (Authorization: Bearer <token>)");
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, jwks, {
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
      algorithms: ACCESS_TOKEN_ALGORITHMS,
      typ: ACCESS_TOKEN_TYPE,
      currentDate: options.currentDate,
      clockTolerance: options.clockToleranceSeconds ?? 5,
      requiredClaims: ["exp"],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new AccessTokenError("TOKEN_EXPIRED", "the access token has expired; refresh it");
    throw new AccessTokenError("TOKEN_INVALID", `the access token is not valid: ${(error as Error).message}`);
  }
  const parsed = AccessTokenClaims.safeParse(payload);
  if (!parsed.success) throw new AccessTokenError("TOKEN_INVALID", `the access token's claims are malformed: ${parsed.error.issues[0]?.message ?? "unknown"}`);
  const expiresAt = (payload as { exp: number }).exp;
  if (options.tenant === undefined) return { claims: parsed.data, expiresAt };
  const membership = membershipFor(parsed.data, options.tenant);
  if (!membership) throw new AccessTokenError("TENANT_FORBIDDEN", `this token grants no access to tenant '${options.tenant}'`);
  return { claims: parsed.data, expiresAt, membership };
}

/** The token from an `Authorization: Bearer …` header value, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}
