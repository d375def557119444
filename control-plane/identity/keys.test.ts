import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { createLocalJWKSet, decodeProtectedHeader, SignJWT } from "jose";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, type AccessTokenClaims } from "../../common/auth-claims.js";
import { signAccessToken } from "./access-tokens.js";
import { DirectoryKeyStore, KeyRing, MemoryKeyStore } from "./keys.js";
import { AccessTokenError, verifyAccessToken } from "./verify-access-token.js";

const claims: AccessTokenClaims = { sub: "u-1", phone: "+84912345678", memberships: [{ tenant: "pho-bo-hanoi", role: "owner", locations: "*" }] };
const minutes = (base: Date, n: number) => new Date(base.getTime() + n * 60_000);

async function refusal(promise: Promise<unknown>): Promise<AccessTokenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AccessTokenError) return error;
    throw error;
  }
  throw new Error("expected the token to be refused");
}

describe("Given an access token signed by the control plane", () => {
  it("verifies offline against the JWKS and returns the caller's membership of the tenant", async () => {
    const keys = await new KeyRing(new MemoryKeyStore()).init();
    const token = await signAccessToken(keys, claims);
    const verified = await verifyAccessToken(token, createLocalJWKSet(keys.jwks()), { tenant: "pho-bo-hanoi" });
    expect(verified.claims).toEqual(claims);
    expect(verified.membership).toEqual({ tenant: "pho-bo-hanoi", role: "owner", locations: "*" });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
  });

  it("refuses it at another tenant's cell with 403 TENANT_FORBIDDEN", async () => {
    const keys = await new KeyRing(new MemoryKeyStore()).init();
    const token = await signAccessToken(keys, claims);
    const error = await refusal(verifyAccessToken(token, createLocalJWKSet(keys.jwks()), { tenant: "com-tam-79" }));
    expect(error.code).toBe("TENANT_FORBIDDEN");
    expect(error.status).toBe(403);
  });

  it("refuses it after 15 minutes with TOKEN_EXPIRED", async () => {
    const keys = await new KeyRing(new MemoryKeyStore()).init();
    const issuedAt = new Date();
    const token = await signAccessToken(keys, claims, { now: issuedAt });
    await expect(verifyAccessToken(token, createLocalJWKSet(keys.jwks()), { currentDate: minutes(issuedAt, 14) })).resolves.toBeDefined();
    expect((await refusal(verifyAccessToken(token, createLocalJWKSet(keys.jwks()), { currentDate: minutes(issuedAt, 16) }))).code).toBe("TOKEN_EXPIRED");
  });

  it("refuses tokens from another key, an HS256 token with the right claims, and garbage", async () => {
    const ours = await new KeyRing(new MemoryKeyStore()).init();
    const theirs = await new KeyRing(new MemoryKeyStore()).init();
    const jwks = createLocalJWKSet(ours.jwks());
    expect((await refusal(verifyAccessToken(await signAccessToken(theirs, claims), jwks))).code).toBe("TOKEN_INVALID");
    const hs = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("a".repeat(32)));
    expect((await refusal(verifyAccessToken(hs, jwks))).code).toBe("TOKEN_INVALID");
    expect((await refusal(verifyAccessToken("not.a.jwt", jwks))).code).toBe("TOKEN_INVALID");
    expect((await refusal(verifyAccessToken(undefined, jwks))).code).toBe("TOKEN_MISSING");
  });
});

describe("Given a key rotation", () => {
  it("publishes the new key before it signs and keeps the old one until its tokens expired", async () => {
    const keys = await new KeyRing(new MemoryKeyStore()).init();
    const t0 = new Date();
    const oldKid = keys.signingKey(t0).kid;
    const oldToken = await signAccessToken(keys, claims, { now: t0 });
    const next = await keys.rotate({ now: t0, publishLeadSeconds: 60, accessTokenTtlSeconds: 900 });

    // During the lead: published, not yet signing.
    expect(keys.jwks(minutes(t0, 0.5)).keys.map((k) => k.kid)).toEqual([oldKid, next.kid]);
    expect(keys.signingKey(minutes(t0, 0.5)).kid).toBe(oldKid);

    // After activation: the new key signs; the old token still verifies until it expires.
    const t2 = minutes(t0, 2);
    expect(keys.signingKey(t2).kid).toBe(next.kid);
    const newToken = await signAccessToken(keys, claims, { now: t2 });
    const jwksAtT2 = createLocalJWKSet(keys.jwks(t2));
    await expect(verifyAccessToken(oldToken, jwksAtT2, { currentDate: t2 })).resolves.toBeDefined();
    await expect(verifyAccessToken(newToken, jwksAtT2, { currentDate: t2 })).resolves.toBeDefined();

    // After retirement: only the new key is published.
    expect(keys.jwks(minutes(t0, 18)).keys.map((k) => k.kid)).toEqual([next.kid]);
  });

  it("never lets a key that was only pending sign after a later rotation (routine, then emergency)", async () => {
    const keys = await new KeyRing(new MemoryKeyStore()).init();
    const t0 = new Date();
    const routine = await keys.rotate({ now: t0, publishLeadSeconds: 60 });
    const emergency = await keys.rotate({ now: minutes(t0, 0.25), publishLeadSeconds: 0 });
    for (const at of [0.5, 2, 30]) expect(keys.signingKey(minutes(t0, at)).kid).toBe(emergency.kid);
    expect(keys.jwks(minutes(t0, 2)).keys.map((k) => k.kid)).not.toContain(routine.kid);
  });

  it("signs with the new key when a rotation with no lead lands in the same millisecond as the key before it", async () => {
    // A store that lists newest first (a directory lists in any order): the tie must not decide.
    class NewestFirst extends MemoryKeyStore {
      override async list() {
        return (await super.list()).reverse();
      }
    }
    const store = new NewestFirst();
    const keys = await new KeyRing(store).init();
    const now = new Date((await store.list())[0]!.activateAt);
    const next = await keys.rotate({ now, publishLeadSeconds: 0 });
    expect(keys.signingKey(now).kid).toBe(next.kid);
  });

  it("keeps keys in a directory readable only by their owner, shared by every replica", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cp-keys-"));
    try {
      const a = await new KeyRing(new DirectoryKeyStore(dir)).init();
      const b = await new KeyRing(new DirectoryKeyStore(dir)).init();
      expect(b.signingKey().kid).toBe(a.signingKey().kid);
      const next = await a.rotate({ publishLeadSeconds: 0 });
      await b.reload();
      expect(b.signingKey(minutes(new Date(), 0.1)).kid).toBe(next.kid);
      expect(statSync(join(dir, `${next.kid}.json`)).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
