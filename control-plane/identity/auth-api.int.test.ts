import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { request as httpRequest } from "node:http";
import { createRemoteJWKSet, decodeJwt } from "jose";
import { randomPhone } from "../testing/databases.js";
import type { ControlPlaneConfig } from "../server.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { AccessTokenError, verifyAccessToken } from "./verify-access-token.js";

// The same suite with Redis and with single-process state (no Redis URL, ADR 0540).
const stateModes: [string, Partial<ControlPlaneConfig>, string][] = [
  ["Redis", {}, "ok"],
  ["process memory (single-process mode)", { redisUrl: undefined }, "not used (single-process mode)"],
];

describe.each(stateModes)("Given a control plane keeping codes in %s", (_mode, overrides, redisReadiness) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(overrides);
  });
  afterAll(async () => {
    await h.stop();
  });

  describe("Given an owner signing in with their phone over REST", () => {
    it("sends the code by SMS to the outbox and returns a token pair for the right code", async () => {
      const phone = randomPhone();
      const local = phone.replace("+84", "0");
      const requested = await h.post("/auth/otp/request", { phone: local }, { "x-forwarded-for": "10.1.0.1" });
      expect(requested).toMatchObject({ status: 202, body: { phone, expiresIn: 120 } });
      const code = /(\d{6})/.exec(await h.lastSms(phone))![1];
      const verified = await h.post("/auth/otp/verify", { phone: local, code }, { "x-forwarded-for": "10.1.0.1" });
      expect(verified.status).toBe(200);
      expect(verified.headers.get("cache-control")).toBe("no-store");
      expect(verified.body).toMatchObject({ tokenType: "Bearer", expiresIn: 900, user: { phone }, deviceToken: expect.stringMatching(/^d1\./) });
      const claims = decodeJwt(verified.body.accessToken);
      expect(claims).toMatchObject({ sub: verified.body.user.id, phone, memberships: [], iss: "https://app.localstoreplatform.com", aud: "lsp" });
      expect(claims.exp! - claims.iat!).toBe(900);
    });

    it("answers 401 with attempts left for a wrong code and kills the code after 5", async () => {
      const phone = randomPhone();
      await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": "10.1.0.2" });
      const code = /(\d{6})/.exec(await h.lastSms(phone))![1]!;
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await h.post("/auth/otp/verify", { phone, code: wrong }, { "x-forwarded-for": "10.1.0.2" })).body.error);
      expect(statuses.map((e) => e.code)).toEqual(["OTP_INVALID", "OTP_INVALID", "OTP_INVALID", "OTP_INVALID", "OTP_ATTEMPTS_EXCEEDED"]);
      expect(statuses[0].attemptsLeft).toBe(4);
      const right = await h.post("/auth/otp/verify", { phone, code }, { "x-forwarded-for": "10.1.0.2" });
      expect(right.status).toBe(401);
    });

    it("answers 429 with Retry-After when a phone asks again within the cooldown", async () => {
      const phone = randomPhone();
      await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": "10.1.0.3" });
      const again = await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": "10.1.0.3" });
      expect(again.status).toBe(429);
      expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(0);
    });

    it("lets the browser that signed in before ask for a code while a stranger holds the phone's public lane", async () => {
      const phone = randomPhone();
      await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": "10.1.0.5" });
      const first = await h.post("/auth/otp/verify", { phone, code: /(\d{6})/.exec(await h.lastSms(phone))![1] }, { "x-forwarded-for": "10.1.0.5" });
      const { deviceToken } = first.body;
      // A stranger with many addresses spends the public lane's ceiling (10 an hour, ADR 0508).
      for (let i = 1; i <= 9; i++) expect((await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": `10.1.1.${i}` })).status).toBe(202);
      expect((await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": "10.1.1.66" })).status).toBe(429);
      expect((await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": "10.1.2.5" })).status).toBe(429);
      expect((await h.post("/auth/otp/request", { phone, deviceToken }, { "x-forwarded-for": "10.1.0.5" })).status).toBe(202);
      const again = await h.post("/auth/otp/verify", { phone, code: /(\d{6})/.exec(await h.lastSms(phone))![1], deviceToken }, { "x-forwarded-for": "10.1.0.5" });
      expect(again.status).toBe(200);
      expect(again.body.deviceToken).toMatch(/^d1\./);
    });

    it("names the field and the reason for bad input", async () => {
      expect(await h.post("/auth/otp/request", { phone: "+14155550100" })).toMatchObject({ status: 400, body: { error: { code: "PHONE_INVALID", field: "phone" } } });
      expect(await h.post("/auth/otp/request", {})).toMatchObject({ status: 400, body: { error: { code: "BAD_REQUEST", field: "phone" } } });
      expect(await h.post("/auth/otp/request", { phone: randomPhone(), deviceToken: 42 })).toMatchObject({ status: 400, body: { error: { code: "BAD_REQUEST", field: "deviceToken" } } });
      expect(await h.post("/auth/otp/verify", { phone: randomPhone(), code: "12ab" })).toMatchObject({ status: 400, body: { error: { code: "CODE_INVALID", field: "code" } } });
      const notJson = await fetch(`${h.cp.url}/auth/otp/request`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
      expect(notJson.status).toBe(400);
      // A request target no URL can be made of is answered at once, not left hanging.
      const target = new URL(h.cp.url);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = httpRequest({ host: target.hostname, port: target.port, path: "//", timeout: 3_000 }, (res) => (res.resume(), resolve(res.statusCode)));
        req.on("timeout", () => (req.destroy(), resolve(undefined)));
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(400);
    });

    it("serves the SMS outbox only when asked to (it shows every sign-in code)", async () => {
      const closed = await startHarness({ ...overrides, smsOutboxHttp: false });
      try {
        const res = await fetch(`${closed.cp.url}/dev/sms-outbox`);
        expect(res.status).toBe(404);
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain("SMS_OUTBOX_HTTP=true");
      } finally {
        await closed.stop();
      }
    });
  });

  describe("Given a refresh token over REST", () => {
    it("rotates on every use, and a replay revokes the family so the newest token dies too", async () => {
      const { refreshToken } = await h.signIn(randomPhone());
      const first = await h.post("/auth/refresh", { refreshToken });
      expect(first.status).toBe(200);
      expect(first.body.refreshToken).not.toBe(refreshToken);
      const replay = await h.post("/auth/refresh", { refreshToken });
      expect(replay).toMatchObject({ status: 401, body: { error: { code: "REFRESH_TOKEN_REUSED" } } });
      expect((await h.post("/auth/refresh", { refreshToken: first.body.refreshToken })).status).toBe(401);
    });

    it("ends the session on logout", async () => {
      const { refreshToken } = await h.signIn(randomPhone());
      expect((await h.post("/auth/logout", { refreshToken })).status).toBe(204);
      expect((await h.post("/auth/refresh", { refreshToken })).status).toBe(401);
    });
  });

  describe("Given an owner who signs out everywhere (a lost phone, a shared shop computer)", () => {
    // Within 30 s of a public-lane request from an address, another request from it is refused
    // unless its device token opens the device's own lane.
    const opensDeviceLane = async (phone: string, deviceToken: string, ip: string) => {
      expect((await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": ip })).status).toBe(202);
      const withToken = await h.post("/auth/otp/request", { phone, deviceToken }, { "x-forwarded-for": ip });
      if (withToken.status === 429) expect(withToken.body.error.message).toContain("a code was just sent to this phone");
      return withToken.status === 202;
    };

    it("ends every session of theirs and forgets their devices until they sign in again; nobody else's", async () => {
      const phone = randomPhone();
      const laptop = await h.signIn(phone, "10.1.4.1");
      const shop = await h.signIn(phone, "10.1.4.2");
      const someoneElse = await h.signIn(randomPhone(), "10.1.4.3");
      expect(await opensDeviceLane(phone, shop.deviceToken, "10.1.4.9")).toBe(true);

      expect((await h.post("/auth/logout-everywhere", { refreshToken: laptop.refreshToken })).status).toBe(204);
      for (const ended of [laptop, shop]) expect(await h.post("/auth/refresh", { refreshToken: ended.refreshToken })).toMatchObject({ status: 401, body: { error: { code: "REFRESH_TOKEN_INVALID" } } });
      expect((await h.post("/auth/refresh", { refreshToken: someoneElse.refreshToken })).status).toBe(200);
      expect(await opensDeviceLane(phone, shop.deviceToken, "10.1.4.8")).toBe(false);

      // The next sign-in on that browser mints a token that opens a lane again. Tokens carry whole
      // seconds, so one minted in the second of the sign-out counts as forgotten: a real sign-in
      // (an SMS away) is never that quick.
      await new Promise((r) => setTimeout(r, 1_000));
      await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": "10.1.4.6" });
      const again = await h.post("/auth/otp/verify", { phone, code: /(\d{6})/.exec(await h.lastSms(phone))![1], deviceToken: shop.deviceToken }, { "x-forwarded-for": "10.1.4.6" });
      expect(again.status).toBe(200);
      expect(await opensDeviceLane(phone, again.body.deviceToken, "10.1.4.7")).toBe(true);
    });

    it("needs a live session's refresh token, and revokes nothing without one", async () => {
      const phone = randomPhone();
      const first = await h.signIn(phone, "10.1.5.1");
      const second = await h.signIn(phone, "10.1.5.2");
      const rotated = await h.post("/auth/refresh", { refreshToken: first.refreshToken });
      for (const refreshToken of [first.refreshToken, "lsp_rt_not-a-token"]) {
        expect(await h.post("/auth/logout-everywhere", { refreshToken })).toMatchObject({ status: 401, body: { error: { code: "REFRESH_TOKEN_INVALID", field: "refreshToken" } } });
      }
      expect(await h.post("/auth/logout-everywhere", {})).toMatchObject({ status: 400, body: { error: { field: "refreshToken" } } });
      expect((await h.post("/auth/refresh", { refreshToken: second.refreshToken })).status).toBe(200);
      expect(await opensDeviceLane(phone, second.deviceToken, "10.1.5.9")).toBe(true);
      expect((await h.post("/auth/logout-everywhere", { refreshToken: rotated.body.refreshToken })).status).toBe(204);
    });
  });

  describe("Given a cell verifying tokens against the published JWKS", () => {
    it("accepts its own tenant's members and refuses foreign-tenant, expired and anonymous callers", async () => {
      const owner = await h.signIn(randomPhone());
      const slug = `pho-${Date.now().toString(36)}`;
      const signup = await h.graphql(`mutation($i: SignupTenantInput!) { signupTenant(input: $i) { accessToken } }`, { i: { slug, displayName: "Phở", ownerName: "Chị Lan" } }, owner.accessToken);
      const token = signup.data.signupTenant.accessToken;
      const jwks = createRemoteJWKSet(new URL(`${h.cp.url}/.well-known/jwks.json`));

      await expect(verifyAccessToken(token, jwks, { tenant: slug })).resolves.toMatchObject({ membership: { tenant: slug, role: "owner" } });
      await expect(verifyAccessToken(token, jwks, { tenant: "someone-else" })).rejects.toMatchObject({ code: "TENANT_FORBIDDEN", status: 403 });
      const later = new Date(Date.now() + 16 * 60_000);
      await expect(verifyAccessToken(token, jwks, { tenant: slug, currentDate: later })).rejects.toBeInstanceOf(AccessTokenError);
      await expect(verifyAccessToken(token, jwks, { tenant: slug, currentDate: later })).rejects.toMatchObject({ code: "TOKEN_EXPIRED" });
      await expect(verifyAccessToken(undefined, jwks, { tenant: slug })).rejects.toMatchObject({ code: "TOKEN_MISSING" });
    });

    it("keeps verifying old tokens across a key rotation and verifies tokens of the new key", async () => {
      const { accessToken: before } = await h.signIn(randomPhone());
      const key = await h.cp.keys.rotate({ publishLeadSeconds: 0 });
      const { accessToken: after } = await h.signIn(randomPhone());
      const jwks = createRemoteJWKSet(new URL(`${h.cp.url}/.well-known/jwks.json`));
      await expect(verifyAccessToken(before, jwks)).resolves.toBeDefined();
      await expect(verifyAccessToken(after, jwks)).resolves.toBeDefined();
      // The control plane's own GraphQL accepts the new key's tokens at once.
      expect((await h.graphql("{ me { phone } }", {}, after)).data.me).not.toBeNull();
      expect((await h.graphql("{ me { phone } }", {}, before)).data.me).not.toBeNull();
      const published = (await (await fetch(`${h.cp.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string; d?: string }[] };
      expect(published.keys.map((k) => k.kid)).toContain(key.kid);
      expect(published.keys.every((k) => k.d === undefined)).toBe(true);
    });
  });

  describe("Given the operational endpoints", () => {
    it("reports health, readiness and metrics", async () => {
      expect((await fetch(`${h.cp.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${h.cp.url}/readyz`);
      expect(await ready.json()).toEqual({ status: "ready", postgres: "ok", redis: redisReadiness });
      const metrics = await (await fetch(`${h.cp.url}/metrics`)).text();
      expect(metrics).toMatch(/control_plane_otp_events_total\{outcome="sent"\} [1-9]/);
      expect(metrics).toMatch(/control_plane_refresh_events_total\{outcome="reused"\} [1-9]/);
      // Not through the router (it sets x-forwarded-host): app.<domain> must not publish them.
      expect((await fetch(`${h.cp.url}/metrics`, { headers: { "x-forwarded-host": "app.localhost" } })).status).toBe(404);
    });

    it("answers unknown routes and wrong methods with a coded error", async () => {
      expect(await (await fetch(`${h.cp.url}/nope`)).json()).toMatchObject({ error: { code: "NOT_FOUND" } });
      expect((await fetch(`${h.cp.url}/auth/refresh`)).status).toBe(400);
    });
  });
});
