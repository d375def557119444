// Built once per GraphQL request: who is calling (from the Bearer access token, re-read from
// Postgres so a deleted user is nobody) and the services resolvers use.
import type { JWTVerifyGetKey } from "jose";
import type { Pool } from "pg";
import type { Sessions } from "../identity/sessions.js";
import { findUserById, type User } from "../identity/users.js";
import { AccessTokenError, bearerToken, verifyAccessToken } from "../identity/verify-access-token.js";
import { ControlPlaneError } from "../identity/errors.js";
import type { Onboarding } from "../onboarding/signup.js";
import type { Staff } from "../staff/staff.js";

export interface Services {
  pool: Pool;
  sessions: Sessions;
  onboarding: Onboarding;
  staff: Staff;
  /** The control plane's own current JWKS, so its GraphQL verifies tokens exactly as cells do. */
  jwks: () => JWTVerifyGetKey;
}

export interface GraphQLContext {
  services: Services;
  /** Undefined for anonymous requests; throws for a bad token, as a wrong password would. */
  user(): Promise<User | undefined>;
  /** The caller, or UNAUTHENTICATED. */
  requireUser(): Promise<User>;
  /**
   * A new access token for the caller with their current memberships, expiring no later than the
   * token they presented (so it can never extend a session; only /auth/refresh does).
   */
  freshAccessToken(): Promise<string>;
}

export function createContext(services: Services, request: Request): GraphQLContext {
  const token = bearerToken(request.headers.get("authorization"));
  let cached: Promise<User | undefined> | undefined;
  let presentedExpiresAt: number | undefined;
  const user = () =>
    (cached ??= (async () => {
      if (!token) return undefined;
      try {
        const { claims, expiresAt } = await verifyAccessToken(token, services.jwks());
        presentedExpiresAt = expiresAt;
        return await findUserById(services.pool, claims.sub);
      } catch (error) {
        if (error instanceof AccessTokenError) throw new ControlPlaneError("UNAUTHENTICATED", error.message);
        throw error;
      }
    })());
  const requireUser = async () => {
    const u = await user();
    if (!u) throw new ControlPlaneError("UNAUTHENTICATED", "sign in first (Authorization: Bearer <access token>)");
    return u;
  };
  return {
    services,
    user,
    requireUser,
    freshAccessToken: async () => services.sessions.accessTokenFor(await requireUser(), presentedExpiresAt),
  };
}
