import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { randomPhone, uniquePrefix } from "../testing/databases.js";
import { ControlPlaneError } from "./errors.js";
import { OtpService, type OtpOptions } from "./otp.js";
import { OutboxSmsProvider } from "./sms.js";

let redis: Redis;
beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL!);
});
afterAll(async () => {
  await redis.quit();
});

function setup(options: Partial<OtpOptions> = {}) {
  const prefix = uniquePrefix();
  const outbox = new OutboxSmsProvider(redis, prefix);
  const otp = new OtpService(redis, outbox, { pepper: "test-pepper-0123456789", keyPrefix: prefix, ...options });
  const lastCode = async (phone: string) => {
    const [message] = await outbox.read({ to: phone, limit: 1 });
    return /(\d{6})/.exec(message?.text ?? "")?.[1];
  };
  return { otp, outbox, lastCode, prefix };
}

async function failure(promise: Promise<unknown>): Promise<ControlPlaneError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ControlPlaneError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("Given a phone that asked for a sign-in code", () => {
  it("sends a 6-digit code by SMS and accepts it once", async () => {
    const { otp, lastCode } = setup();
    const phone = randomPhone();
    const sent = await otp.request(phone.replace("+84", "0"), "10.0.0.1");
    expect(sent).toEqual({ phone, expiresIn: 120 });
    const code = await lastCode(phone);
    expect(code).toMatch(/^\d{6}$/);
    await expect(otp.verify(phone, code!, "10.0.0.1")).resolves.toEqual({ phone });
    // Replay of the same code: it was consumed.
    expect((await failure(otp.verify(phone, code!, "10.0.0.1"))).code).toBe("OTP_EXPIRED");
  });

  it("stores only a hash of the code, expiring after the TTL", async () => {
    const { otp, lastCode, prefix } = setup();
    const phone = randomPhone();
    await otp.request(phone, "10.0.0.2");
    const code = (await lastCode(phone))!;
    const stored = await redis.hgetall(`${prefix}otp:${phone}`);
    expect(stored.h).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(code);
    const ttl = await redis.ttl(`${prefix}otp:${phone}`);
    expect(ttl).toBeGreaterThan(110);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it("refuses a code once its TTL has passed", async () => {
    const { otp, lastCode } = setup({ ttlSeconds: 1 });
    const phone = randomPhone();
    await otp.request(phone, "10.0.0.3");
    const code = (await lastCode(phone))!;
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await failure(otp.verify(phone, code, "10.0.0.3"))).code).toBe("OTP_EXPIRED");
  });
});

describe("Given someone guessing codes", () => {
  it("counts down attempts and kills the code after the 5th wrong guess, even for the right code", async () => {
    const { otp, lastCode } = setup();
    const phone = randomPhone();
    await otp.request(phone, "10.0.1.1");
    const code = (await lastCode(phone))!;
    const left: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) left.push((await failure(otp.verify(phone, wrongCode(code), "10.0.1.1"))).details.attemptsLeft);
    expect(left).toEqual([4, 3, 2, 1]);
    expect((await failure(otp.verify(phone, wrongCode(code), "10.0.1.1"))).code).toBe("OTP_ATTEMPTS_EXCEEDED");
    expect((await failure(otp.verify(phone, code, "10.0.1.1"))).code).toBe("OTP_EXPIRED");
  });

  it("lets only one of many concurrent guesses per attempt through, so a burst cannot exceed 5 tries", async () => {
    const { otp, lastCode } = setup();
    const phone = randomPhone();
    await otp.request(phone, "10.0.1.2");
    const code = (await lastCode(phone))!;
    const guesses = Array.from({ length: 20 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, "0"));
    const results = await Promise.allSettled(guesses.map((g) => otp.verify(phone, g, "10.0.1.2")));
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as ControlPlaneError).code : "OK"));
    expect(codes.filter((c) => c === "OTP_INVALID")).toHaveLength(4);
    expect(codes).not.toContain("OK");
    expect((await failure(otp.verify(phone, code, "10.0.1.2"))).code).toBe("OTP_EXPIRED");
  });

  it("limits verifications per IP across phones", async () => {
    const { otp } = setup({ limits: { verifyPerIp: { points: 3, durationSeconds: 60 } } });
    for (let i = 0; i < 3; i++) expect((await failure(otp.verify(randomPhone(), "123456", "10.0.1.3"))).code).toBe("OTP_EXPIRED");
    const limited = await failure(otp.verify(randomPhone(), "123456", "10.0.1.3"));
    expect(limited.code).toBe("RATE_LIMITED");
    expect(limited.details.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe("Given an SMS gateway that is down", () => {
  it("answers SMS_UNAVAILABLE and leaves no code behind", async () => {
    const prefix = uniquePrefix();
    const down = { name: "down", send: async () => Promise.reject(new Error("connect ECONNREFUSED")) };
    const otp = new OtpService(redis, down, { pepper: "test-pepper-0123456789", keyPrefix: prefix });
    const phone = randomPhone();
    const error = await failure(otp.request(phone, "10.0.3.1"));
    expect(error.code).toBe("SMS_UNAVAILABLE");
    expect(error.status).toBe(503);
    expect(await redis.exists(`${prefix}otp:${phone}`)).toBe(0);
  });
});

describe("Given repeated code requests", () => {
  it("enforces a resend cooldown and a per-phone limit", async () => {
    const { otp } = setup({ limits: { resendCooldown: { points: 1, durationSeconds: 1 }, requestPerPhone: { points: 2, durationSeconds: 60 } } });
    const phone = randomPhone();
    await otp.request(phone, "10.0.2.1");
    expect((await failure(otp.request(phone, "10.0.2.2"))).code).toBe("RATE_LIMITED");
    await new Promise((r) => setTimeout(r, 1_100));
    await otp.request(phone, "10.0.2.3");
    await new Promise((r) => setTimeout(r, 1_100));
    const limited = await failure(otp.request(phone, "10.0.2.4"));
    expect(limited.code).toBe("RATE_LIMITED");
    expect(limited.message).toMatch(/too many codes requested for this phone/);
  });

  it("limits requests per IP across phones", async () => {
    const { otp } = setup({ limits: { requestPerIp: { points: 2, durationSeconds: 60 } } });
    await otp.request(randomPhone(), "10.0.2.9");
    await otp.request(randomPhone(), "10.0.2.9");
    expect((await failure(otp.request(randomPhone(), "10.0.2.9"))).code).toBe("RATE_LIMITED");
  });

  it("refuses an invalid phone with the field and reason", async () => {
    const { otp } = setup();
    const error = await failure(otp.request("02438123456", "10.0.2.10"));
    expect(error).toMatchObject({ code: "PHONE_INVALID", details: { field: "phone" } });
    expect(error.message).toMatch(/landline/);
  });
});
