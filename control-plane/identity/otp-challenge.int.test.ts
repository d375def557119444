// The public lane's challenge (ADR 0510) against a faithful fake of Turnstile's Siteverify.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomPhone } from "../testing/databases.js";
import { startFakeTurnstile, type FakeTurnstile } from "../testing/fake-turnstile.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { OTP_CHALLENGE_ACTION } from "./otp-challenge.js";

// Small ceilings keep the scenarios short; the rules are the same as with the defaults.
const otpLimits = {
  requestPerPhone: { points: 3, durationSeconds: 3_600 },
  requestPerPhoneChallenged: { points: 2, durationSeconds: 3_600 },
};

describe("Given a control plane with a challenge on the phone's public lane", () => {
  let turnstile: FakeTurnstile;
  let h: Harness;
  let address = 0;
  const nextAddress = () => `10.77.${Math.floor(++address / 250)}.${address % 250}`;
  const ask = (phone: string, from: string, extra: Record<string, unknown> = {}) => h.post("/auth/otp/request", { phone, ...extra }, { "x-forwarded-for": from });
  /** A stranger's script spends what is left of the phone-wide public ceiling, one request per address. */
  const spendPublicCeiling = async (phone: string) => {
    for (let i = 0; i <= otpLimits.requestPerPhone.points && (await ask(phone, nextAddress())).status === 202; i++);
  };

  beforeAll(async () => {
    turnstile = await startFakeTurnstile();
    h = await startHarness({ otpLimits, otpChallenge: { siteKey: turnstile.siteKey, secret: turnstile.secret, verifyUrl: turnstile.verifyUrl, scriptUrl: turnstile.scriptUrl } });
  });
  afterAll(async () => {
    await h.stop();
    await turnstile.stop();
  });

  it("offers the challenge when strangers spent the public ceiling, and a solved one gets the owner a code they can sign in with", async () => {
    const phone = randomPhone();
    await spendPublicCeiling(phone);
    const owner = nextAddress();
    const refused = await ask(phone, owner);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "RATE_LIMITED", challenge: { provider: "turnstile", siteKey: turnstile.siteKey, scriptUrl: turnstile.scriptUrl, action: OTP_CHALLENGE_ACTION } });

    expect((await ask(phone, owner, { challengeToken: turnstile.solve({ action: OTP_CHALLENGE_ACTION }) })).status).toBe(202);
    expect(turnstile.calls.at(-1)).toMatchObject({ remoteip: owner });
    const code = /(\d{6})/.exec(await h.lastSms(phone))![1];
    expect((await h.post("/auth/otp/verify", { phone, code }, { "x-forwarded-for": owner })).status).toBe(200);
  });

  it("refuses a replayed, forged or foreign challenge, naming the field, and counts nothing for it", async () => {
    const phone = randomPhone();
    const token = turnstile.solve({ action: OTP_CHALLENGE_ACTION });
    expect((await ask(phone, nextAddress(), { challengeToken: token })).status).toBe(202);
    for (const [challengeToken, message] of [
      [token, "expired or was already used"],
      ["0.forged-by-a-script", "was not solved"],
      [turnstile.solve({ action: "newsletter-signup" }), "solved for another form"],
    ] as const) {
      const reply = await ask(phone, nextAddress(), { challengeToken });
      expect(reply).toMatchObject({ status: 400, body: { error: { code: "CHALLENGE_FAILED", field: "challengeToken" } } });
      expect(reply.body.error.message).toContain(message);
    }
    // Only the first request spent the challenged ceiling (2): one more solved request still gets through.
    expect((await ask(phone, nextAddress(), { challengeToken: turnstile.solve({ action: OTP_CHALLENGE_ACTION }) })).status).toBe(202);
  });

  it("has a ceiling of its own for solved requests, which offers no further challenge", async () => {
    const phone = randomPhone();
    for (let i = 0; i < otpLimits.requestPerPhoneChallenged.points; i++) {
      expect((await ask(phone, nextAddress(), { challengeToken: turnstile.solve({ action: OTP_CHALLENGE_ACTION }) })).status).toBe(202);
    }
    const over = await ask(phone, nextAddress(), { challengeToken: turnstile.solve({ action: OTP_CHALLENGE_ACTION }) });
    expect(over.status).toBe(429);
    expect(over.body.error.challenge).toBeUndefined();
    // The public ceiling is untouched by solved requests.
    expect((await ask(phone, nextAddress())).status).toBe(202);
  });

  it("answers 503 when Siteverify cannot say, so nobody is told they failed a challenge they solved", async () => {
    turnstile.failing = true;
    try {
      const reply = await ask(randomPhone(), nextAddress(), { challengeToken: turnstile.solve({ action: OTP_CHALLENGE_ACTION }) });
      expect(reply).toMatchObject({ status: 503, body: { error: { code: "CHALLENGE_UNAVAILABLE" } } });
    } finally {
      turnstile.failing = false;
    }
  });

  it("lets a known device through its own lane without any challenge", async () => {
    const phone = randomPhone();
    const { deviceToken } = await h.signIn(phone, nextAddress());
    await spendPublicCeiling(phone);
    expect((await ask(phone, nextAddress(), { deviceToken })).status).toBe(202);
  });
});

describe("Given a control plane without a challenge configured", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ otpLimits });
  });
  afterAll(async () => {
    await h.stop();
  });

  it("offers none, and a challengeToken sent anyway changes nothing", async () => {
    const phone = randomPhone();
    for (let i = 0; i < otpLimits.requestPerPhone.points; i++) expect((await h.post("/auth/otp/request", { phone }, { "x-forwarded-for": `10.78.0.${i + 1}` })).status).toBe(202);
    const refused = await h.post("/auth/otp/request", { phone, challengeToken: "0.anything" }, { "x-forwarded-for": "10.78.0.99" });
    expect(refused.status).toBe(429);
    expect(refused.body.error.challenge).toBeUndefined();
  });
});
