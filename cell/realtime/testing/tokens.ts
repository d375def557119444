// Test support: a control-plane-like signing key and its JWKS, so the cell verifies real tokens.
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from "jose";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, signTenant, TENANT_HEADER, TENANT_SIGNATURE_HEADER, type Membership } from "../../../common/index.js";

export interface TestIssuer {
  jwks: JSONWebKeySet;
  /** `expiresIn` as jose reads it ("15m", "3s"); 15 minutes, like the control plane, by default. */
  token(sub: string, memberships: Membership[], expiresIn?: string): Promise<string>;
}

export async function createTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-1", alg: "EdDSA", use: "sig" };
  return {
    jwks: { keys: [jwk] },
    token: (sub, memberships, expiresIn = "15m") =>
      new SignJWT({ phone: "+84900000000", memberships })
        .setProtectedHeader({ alg: "EdDSA", kid: "test-1" })
        .setIssuer(ACCESS_TOKEN_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey),
  };
}

/** The headers the router adds in front of every request to a cell. */
export function routerHeaders(signingKey: string, slug: string): Record<string, string> {
  return { [TENANT_HEADER]: slug, [TENANT_SIGNATURE_HEADER]: signTenant(signingKey, slug) };
}
