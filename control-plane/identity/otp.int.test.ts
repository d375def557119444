// One suite, two backends: every OTP rule must hold the same with codes in Redis and with codes in
// process memory (the single-process fallback of ADR 0540).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { randomPhone, uniquePrefix } from "../testing/databases.js";
import { deviceIdFrom, issueDeviceToken } from "./device-tokens.js";
import { ControlPlaneError } from "./errors.js";
import { MemoryState } from "./memory-state.js";
import { OtpService, type OtpOptions } from "./otp.js";
import { RedisState } from "./redis-state.js";
import { OutboxSmsProvider } from "./sms.js";
import type { VolatileState } from "./volatile-state.js";

let redis: Redis;
beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL!);
});
afterAll(async () => {
  await redis.quit();
});

const backends: [string, () => VolatileState][] = [
  ["Redis", () => new RedisState(redis)],
  ["process memory (single-process mode)", () => new MemoryState()],
];

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

describe.each(backends)("Given OTP codes kept in %s", (_name, makeState) => {
  function setup(options: Partial<OtpOptions> = {}) {
    const prefix = uniquePrefix();
    const state = makeState();
    const outbox = new OutboxSmsProvider(state.lists, prefix);
    const otp = new OtpService(state, outbox, { pepper: "test-pepper-0123456789", keyPrefix: prefix, ...options });
    const lastCode = async (phone: string) => {
      const [message] = await outbox.read({ to: phone, limit: 1 });
      return /(\d{6})/.exec(message?.text ?? "")?.[1];
    };
    const stored = (phone: string) => state.otpCodes.inspect(`${prefix}otp:${phone}`);
    return { otp, outbox, lastCode, stored, state, prefix };
  }

  describe("Given a phone that asked for a sign-in code", () => {
    it("sends a 6-digit code by SMS and accepts it once", async () => {
      const { otp, lastCode } = setup();
      const phone = randomPhone();
      const sent = await otp.request(phone.replace("+84", "0"), "10.0.0.1");
      expect(sent).toEqual({ phone, expiresIn: 120 });
      const code = await lastCode(phone);
      expect(code).toMatch(/^\d{6}$/);
      await expect(otp.verify(phone, code!, "10.0.0.1")).resolves.toEqual({ phone, deviceToken: expect.stringMatching(/^d1\./) });
      // Replay of the same code: it was consumed.
      expect((await failure(otp.verify(phone, code!, "10.0.0.1"))).code).toBe("OTP_EXPIRED");
    });

    it("stores only a hash of the code, expiring after the TTL", async () => {
      const { otp, lastCode, stored } = setup();
      const phone = randomPhone();
      await otp.request(phone, "10.0.0.2");
      const code = (await lastCode(phone))!;
      const entry = (await stored(phone))!;
      expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(entry)).not.toContain(code);
      expect(entry.attempts).toBe(0);
      expect(entry.ttlMs).toBeGreaterThan(110_000);
      expect(entry.ttlMs).toBeLessThanOrEqual(120_000);
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

  describe("Given the same right code presented twice at once", () => {
    it("signs in exactly one of the two", async () => {
      const { otp, lastCode } = setup();
      const phone = randomPhone();
      await otp.request(phone, "10.0.4.1");
      const code = (await lastCode(phone))!;
      const results = await Promise.allSettled([otp.verify(phone, code, "10.0.4.1"), otp.verify(phone, code, "10.0.4.2")]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      expect((rejected?.reason as ControlPlaneError).code).toBe("OTP_EXPIRED");
    });
  });

  describe("Given more SMS than the outbox keeps", () => {
    it("lists them newest first and drops the oldest", async () => {
      const { state, prefix } = setup();
      for (const n of [1, 2, 3, 4, 5]) await state.lists.push(`${prefix}list`, String(n), 3);
      expect(await state.lists.newest(`${prefix}list`, 10)).toEqual(["5", "4", "3"]);
      expect(await state.lists.newest(`${prefix}list`, 2)).toEqual(["5", "4"]);
      expect(await state.lists.newest(`${prefix}nothing`, 2)).toEqual([]);
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
      const state = makeState();
      const down = { name: "down", send: async () => Promise.reject(new Error("connect ECONNREFUSED")) };
      const otp = new OtpService(state, down, { pepper: "test-pepper-0123456789", keyPrefix: prefix });
      const phone = randomPhone();
      const error = await failure(otp.request(phone, "10.0.3.1"));
      expect(error.code).toBe("SMS_UNAVAILABLE");
      expect(error.status).toBe(503);
      // The gateway's words go to the log (the cause), not to the client.
      expect(error.message).toBe("the SMS could not be sent (down unavailable); try again shortly");
      expect((error as Error).cause).toMatchObject({ message: "connect ECONNREFUSED" });
      expect(await state.otpCodes.inspect(`${prefix}otp:${phone}`)).toBeUndefined();
    });
  });

  describe("Given repeated code requests", () => {
    it("enforces a resend cooldown and a per-phone limit for all addresses together", async () => {
      const { otp } = setup({ limits: { resendCooldown: { points: 1, durationSeconds: 1 }, requestPerPhone: { points: 2, durationSeconds: 60 } } });
      const phone = randomPhone();
      await otp.request(phone, "10.0.2.1");
      expect(await failure(otp.request(phone, "10.0.2.1"))).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/just sent/) });
      await new Promise((r) => setTimeout(r, 1_100));
      await otp.request(phone, "10.0.2.3");
      await new Promise((r) => setTimeout(r, 1_100));
      const limited = await failure(otp.request(phone, "10.0.2.4"));
      expect(limited.code).toBe("RATE_LIMITED");
      expect(limited.message).toMatch(/too many codes requested for this phone \(retry/);
    });

    it("limits requests per IP across phones", async () => {
      const { otp } = setup({ limits: { requestPerIp: { points: 2, durationSeconds: 60 } } });
      await otp.request(randomPhone(), "10.0.2.9");
      await otp.request(randomPhone(), "10.0.2.9");
      expect((await failure(otp.request(randomPhone(), "10.0.2.9"))).code).toBe("RATE_LIMITED");
    });

    it("caps a phone's public lane per day as well as per hour", async () => {
      const { otp } = setup({ limits: { resendCooldown: { points: 100, durationSeconds: 60 }, requestPerPhone: { points: 100, durationSeconds: 60 }, requestPerPhoneDaily: { points: 2, durationSeconds: 60 } } });
      const phone = randomPhone();
      await otp.request(phone, "10.0.2.20");
      await otp.request(phone, "10.0.2.21");
      const limited = await failure(otp.request(phone, "10.0.2.22"));
      expect(limited.code).toBe("RATE_LIMITED");
      expect(limited.message).toMatch(/for this phone today/);
    });

    it("does not spend the daily cap on requests the hourly limit refused", async () => {
      const many = { points: 100, durationSeconds: 60 };
      const { otp } = setup({ limits: { resendCooldown: many, requestPerPhoneFromAddress: many, requestPerPhoneFromAddressDaily: many, requestPerPhone: { points: 1, durationSeconds: 1 }, requestPerPhoneDaily: { points: 2, durationSeconds: 60 } } });
      const phone = randomPhone();
      await otp.request(phone, "10.0.2.30");
      for (let i = 0; i < 3; i++) expect((await failure(otp.request(phone, "10.0.2.30"))).message).toMatch(/for this phone \(retry/);
      await new Promise((r) => setTimeout(r, 1_100));
      await otp.request(phone, "10.0.2.30");
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await failure(otp.request(phone, "10.0.2.30"))).message).toMatch(/for this phone today/);
    });

    it("refuses an invalid phone with the field and reason", async () => {
      const { otp } = setup();
      const error = await failure(otp.request("02438123456", "10.0.2.10"));
      expect(error).toMatchObject({ code: "PHONE_INVALID", details: { field: "phone" } });
      expect(error.message).toMatch(/landline/);
    });
  });

  describe("Given a stranger who spends a phone's public quota (lockout)", () => {
    const pepper = "test-pepper-0123456789";

    it("counts a stranger at one address against that address only: the owner elsewhere still gets a code", async () => {
      // The defaults, but no cooldown: what refuses the stranger is the quota.
      const { otp, lastCode } = setup({ limits: { resendCooldown: { points: 100, durationSeconds: 60 } } });
      const phone = randomPhone();
      let refused: ControlPlaneError | undefined;
      for (let i = 0; i < 20 && !refused; i++) refused = await otp.request(phone, "10.0.5.66").then(() => undefined, (e: ControlPlaneError) => e);
      expect(refused).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/for this phone from this address/) });
      // A new phone of the owner's, with no device token, at another address.
      await otp.request(phone, "10.0.5.1");
      await expect(otp.verify(phone, (await lastCode(phone))!, "10.0.5.1")).resolves.toMatchObject({ phone });
    });

    it("still caps the public lane for all addresses together (SMS pumping from many addresses)", async () => {
      const { otp } = setup();
      const phone = randomPhone();
      for (let i = 1; i <= 10; i++) await otp.request(phone, `10.0.6.${i}`);
      expect((await failure(otp.request(phone, "10.0.6.11"))).message).toMatch(/too many codes requested for this phone \(retry/);
    });

    it("still sends the owner's known device a code, from the device's own quota", async () => {
      // No cooldown to speak of: what refuses the stranger is the spent quota.
      const { otp, lastCode } = setup({ limits: { requestPerPhone: { points: 1, durationSeconds: 60 }, resendCooldown: { points: 100, durationSeconds: 60 } } });
      const phone = randomPhone();
      // The owner signed in once on this browser and kept the device token.
      await otp.request(phone, "10.0.4.1");
      const { deviceToken } = await otp.verify(phone, (await lastCode(phone))!, "10.0.4.1");
      // A stranger asks again from elsewhere: the public lane's quota is spent.
      expect((await failure(otp.request(phone, "10.0.4.66"))).message).toMatch(/too many codes requested for this phone/);
      await expect(otp.request(phone, "10.0.4.1", deviceToken)).resolves.toMatchObject({ phone });
      const renewed = await otp.verify(phone, (await lastCode(phone))!, "10.0.4.1", deviceToken);
      // The renewed token names the same device.
      expect(deviceIdFrom({ pepper }, phone, renewed.deviceToken)).toBe(deviceIdFrom({ pepper }, phone, deviceToken));
    });

    it("keeps the device's code apart: a stranger's new code or wrong guesses do not void it", async () => {
      const { otp, lastCode } = setup();
      const phone = randomPhone();
      const deviceToken = issueDeviceToken({ pepper }, phone);
      await otp.request(phone, "10.0.4.2", deviceToken);
      const ownersCode = (await lastCode(phone))!;
      await otp.request(phone, "10.0.4.67");
      const strangersCode = (await lastCode(phone))!;
      for (let i = 0; i < 5; i++) await failure(otp.verify(phone, wrongCode(strangersCode), "10.0.4.67"));
      expect((await failure(otp.verify(phone, strangersCode, "10.0.4.67"))).code).toBe("OTP_EXPIRED");
      await expect(otp.verify(phone, ownersCode, "10.0.4.2", deviceToken)).resolves.toMatchObject({ phone });
    });

    it("treats a token made for another phone, or a forged one, as no token", async () => {
      const { otp } = setup({ limits: { requestPerPhone: { points: 1, durationSeconds: 60 }, resendCooldown: { points: 100, durationSeconds: 60 } } });
      const phone = randomPhone();
      await otp.request(phone, "10.0.4.3");
      const valid = issueDeviceToken({ pepper }, phone).split(".");
      const tampered = [valid[0], valid[1], String(Number(valid[2]) + 1), valid[3]].join(".");
      for (const token of [issueDeviceToken({ pepper }, randomPhone()), issueDeviceToken({ pepper: "someone-elses-pepper-0123" }, phone), tampered, "d1.forged"]) {
        expect((await failure(otp.request(phone, "10.0.4.3", token))).message).toMatch(/too many codes requested for this phone/);
      }
    });

    it("finds a code sent on the public lane when the device token comes only with the code", async () => {
      const { otp, lastCode } = setup();
      const phone = randomPhone();
      const deviceToken = issueDeviceToken({ pepper }, phone);
      await otp.request(phone, "10.0.4.4");
      await expect(otp.verify(phone, (await lastCode(phone))!, "10.0.4.4", deviceToken)).resolves.toMatchObject({ phone });
    });

    it("accepts the code a stranger's request sent, typed on the owner's device, and counts the miss on the device's code", async () => {
      const { otp, lastCode } = setup();
      const phone = randomPhone();
      const deviceToken = issueDeviceToken({ pepper }, phone);
      await otp.request(phone, "10.0.4.7", deviceToken);
      const ownersCode = (await lastCode(phone))!;
      await otp.request(phone, "10.0.4.68");
      const strangersCode = (await lastCode(phone))!;
      const wrong = [ownersCode, strangersCode].includes(wrongCode(strangersCode)) ? wrongCode(wrongCode(strangersCode)) : wrongCode(strangersCode);
      // Wrong for both: the device's code says how many tries it has left.
      expect(await failure(otp.verify(phone, wrong, "10.0.4.7", deviceToken))).toMatchObject({ code: "OTP_INVALID", details: { attemptsLeft: 4 } });
      await expect(otp.verify(phone, strangersCode, "10.0.4.7", deviceToken)).resolves.toMatchObject({ phone });
    });

    it("limits each known device per day, below the phone's daily cap for all its devices", async () => {
      const { otp } = setup({ limits: { requestPerKnownDeviceDaily: { points: 1, durationSeconds: 60 }, resendCooldown: { points: 100, durationSeconds: 60 } } });
      const phone = randomPhone();
      const leaked = issueDeviceToken({ pepper }, phone);
      await otp.request(phone, "10.0.4.8", leaked);
      expect((await failure(otp.request(phone, "10.0.4.8", leaked))).message).toMatch(/from this device today/);
      await expect(otp.request(phone, "10.0.4.8", issueDeviceToken({ pepper }, phone))).resolves.toMatchObject({ phone });
    });

    it("caps all of a phone's known devices together per day (SMS pumping through many sign-ins)", async () => {
      const { otp } = setup({ limits: { requestPerPhoneFromKnownDevicesDaily: { points: 2, durationSeconds: 60 } } });
      const phone = randomPhone();
      const devices = [1, 2, 3].map(() => issueDeviceToken({ pepper }, phone));
      await otp.request(phone, "10.0.4.5", devices[0]);
      await otp.request(phone, "10.0.4.5", devices[1]);
      const limited = await failure(otp.request(phone, "10.0.4.5", devices[2]));
      expect(limited.code).toBe("RATE_LIMITED");
      expect(limited.message).toMatch(/for this phone today/);
    });

    it("limits each known device per hour", async () => {
      const { otp } = setup({ limits: { requestPerKnownDevice: { points: 1, durationSeconds: 60 }, resendCooldown: { points: 100, durationSeconds: 60 } } });
      const phone = randomPhone();
      const deviceToken = issueDeviceToken({ pepper }, phone);
      await otp.request(phone, "10.0.4.6", deviceToken);
      expect((await failure(otp.request(phone, "10.0.4.6", deviceToken))).message).toMatch(/too many codes requested from this device/);
      // Another device of the same phone has its own hour.
      await expect(otp.request(phone, "10.0.4.6", issueDeviceToken({ pepper }, phone))).resolves.toMatchObject({ phone });
    });
  });
});
