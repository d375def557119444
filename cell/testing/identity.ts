// Test identities: a control-plane signing key with its JWKS, access tokens for memberships, and
// the router's signed tenant header — the real formats, produced the way the real issuers do.
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from "jose";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, signTenant, TENANT_HEADER, TENANT_SIGNATURE_HEADER, type Membership } from "../../common/index.js";

export const ROUTER_SIGNING_KEY = "test-router-signing-key-0123456789";

export interface TokenIssuer {
  jwks: JSONWebKeySet;
  token(claims: { sub?: string; phone?: string; memberships: Membership[] }, options?: { expiresIn?: string; issuer?: string }): Promise<string>;
}

export async function createTokenIssuer(kid = "test-key-1"): Promise<TokenIssuer> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return {
    jwks: { keys: [jwk] },
    token(claims, options = {}) {
      return new SignJWT({ phone: claims.phone ?? "+84900000000", memberships: claims.memberships })
        .setProtectedHeader({ alg: "ES256", kid })
        .setSubject(claims.sub ?? "user-1")
        .setIssuer(options.issuer ?? ACCESS_TOKEN_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? "15m")
        .sign(privateKey);
    },
  };
}

export function routerHeaders(slug: string, key = ROUTER_SIGNING_KEY): Record<string, string> {
  return { [TENANT_HEADER]: slug, [TENANT_SIGNATURE_HEADER]: signTenant(key, slug) };
}
