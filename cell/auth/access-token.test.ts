import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from "../../common/index.js";
import { keySet, verifyAccessToken } from "./access-token.js";

const memberships = [{ tenant: "pho-bo-hanoi", role: "owner" as const, locations: [] }];

async function issuer() {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const keys = keySet({ jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" }] } });
  const sign = (exp: string | number | undefined) => {
    const jwt = new SignJWT({ phone: "+84900000000", memberships })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setSubject("user-1")
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt();
    return (exp === undefined ? jwt : jwt.setExpirationTime(exp)).sign(privateKey);
  };
  return { keys, sign };
}

describe("verifyAccessToken", () => {
  it("returns the claims of a signed, unexpired token", async () => {
    const { keys, sign } = await issuer();
    const before = Date.now();
    const verified = await verifyAccessToken(await sign("15m"), keys);
    expect(verified.claims).toMatchObject({ sub: "user-1", memberships });
    // exp has whole seconds: within a second of 15 minutes from now.
    expect(verified.expiresAt).toBeGreaterThan(before + 15 * 60_000 - 1_000);
    expect(verified.expiresAt).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
  });

  it("refuses a token without exp: it would never lapse", async () => {
    const { keys, sign } = await issuer();
    await expect(verifyAccessToken(await sign(undefined), keys)).rejects.toThrow(/access token rejected: .*"exp"/);
  });

  it("refuses an expired token", async () => {
    const { keys, sign } = await issuer();
    await expect(verifyAccessToken(await sign(Math.floor(Date.now() / 1000) - 120), keys)).rejects.toThrow(/access token rejected: .*exp/);
  });
});
