// Phone OTP: a 6-digit code, stored only as an HMAC in Redis for 120 s, good for one successful
// verification and at most 5 tries. Requests are rate-limited per phone (with a resend cooldown)
// and per IP; verifications per IP, so one client cannot spread guesses across many phones.
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { ControlPlaneError } from "./errors.js";
import { normalizeVietnamesePhone } from "./phone.js";
import { sendSms, smsText, type SmsProvider } from "./sms.js";

export interface Limit {
  points: number;
  durationSeconds: number;
}

export interface OtpOptions {
  /** Secret mixed into the stored hash: a Redis dump alone must not reveal codes (10^6 is searchable). */
  pepper: string;
  keyPrefix?: string;
  ttlSeconds?: number;
  maxAttempts?: number;
  limits?: Partial<OtpLimits>;
}

export interface OtpLimits {
  requestPerPhone: Limit;
  resendCooldown: Limit;
  requestPerIp: Limit;
  verifyPerIp: Limit;
}

export const DEFAULT_OTP_LIMITS: OtpLimits = {
  requestPerPhone: { points: 5, durationSeconds: 3_600 },
  resendCooldown: { points: 1, durationSeconds: 30 },
  requestPerIp: { points: 30, durationSeconds: 3_600 },
  verifyPerIp: { points: 100, durationSeconds: 600 },
};

export type OtpOutcome = "sent" | "verified" | "wrong" | "expired" | "exhausted" | "rate_limited" | "invalid_input";

// Count the attempt and read the hash in one step, so concurrent guesses cannot share one attempt.
const TAKE_ATTEMPT = `
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return nil end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
return {h, n}`;

export class OtpService {
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  private readonly prefix: string;
  private readonly limiters: Record<keyof OtpLimits, RateLimiterRedis>;

  constructor(
    private readonly redis: Redis,
    private readonly sms: SmsProvider,
    private readonly options: OtpOptions,
    private readonly observe: (outcome: OtpOutcome) => void = () => {},
  ) {
    if (options.pepper.length < 16) throw new Error("OTP pepper must be at least 16 characters");
    this.ttlSeconds = options.ttlSeconds ?? 120;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.prefix = options.keyPrefix ?? "";
    const limits = { ...DEFAULT_OTP_LIMITS, ...options.limits };
    const limiter = (name: keyof OtpLimits) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix: `${this.prefix}rl:${name}`, points: limits[name].points, duration: limits[name].durationSeconds });
    this.limiters = { requestPerPhone: limiter("requestPerPhone"), resendCooldown: limiter("resendCooldown"), requestPerIp: limiter("requestPerIp"), verifyPerIp: limiter("verifyPerIp") };
  }

  async request(phoneInput: string, ip: string): Promise<{ phone: string; expiresIn: number }> {
    const phone = this.phone(phoneInput);
    await this.consume("requestPerIp", ip, "too many code requests from this address");
    await this.consume("resendCooldown", phone, "a code was just sent to this phone; wait before asking again");
    await this.consume("requestPerPhone", phone, "too many codes requested for this phone");
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    // A new code replaces the old one and its attempt count; the per-phone limit bounds how often.
    await this.redis.multi().del(this.key(phone)).hset(this.key(phone), "h", this.hash(phone, code), "n", "0").expire(this.key(phone), this.ttlSeconds).exec();
    try {
      await sendSms(this.sms, phone, smsText.otp(code, this.ttlSeconds));
    } catch (error) {
      // A code nobody received must not linger; the limits already spent stay spent.
      await this.redis.del(this.key(phone));
      throw error;
    }
    this.observe("sent");
    return { phone, expiresIn: this.ttlSeconds };
  }

  async verify(phoneInput: string, code: string, ip: string): Promise<{ phone: string }> {
    const phone = this.phone(phoneInput);
    if (!/^\d{6}$/.test(code)) {
      this.observe("invalid_input");
      throw new ControlPlaneError("CODE_INVALID", "code must be exactly 6 digits", { field: "code" });
    }
    await this.consume("verifyPerIp", ip, "too many verification attempts from this address");
    const taken = (await this.redis.eval(TAKE_ATTEMPT, 1, this.key(phone))) as [string, number] | null;
    if (!taken) {
      this.observe("expired");
      throw new ControlPlaneError("OTP_EXPIRED", "no active code for this phone (expired, used or never sent); request a new one");
    }
    const [storedHash, attempt] = taken;
    if (attempt > this.maxAttempts) {
      await this.redis.del(this.key(phone));
      this.observe("exhausted");
      throw new ControlPlaneError("OTP_ATTEMPTS_EXCEEDED", "too many wrong codes; this code no longer works, request a new one");
    }
    const matches = timingSafeEqual(Buffer.from(storedHash, "hex"), Buffer.from(this.hash(phone, code), "hex"));
    if (matches) {
      // Deleting is what claims the code: of two concurrent correct verifications only one wins.
      if ((await this.redis.del(this.key(phone))) === 1) {
        this.observe("verified");
        return { phone };
      }
      this.observe("expired");
      throw new ControlPlaneError("OTP_EXPIRED", "this code was already used; request a new one");
    }
    if (attempt >= this.maxAttempts) {
      await this.redis.del(this.key(phone));
      this.observe("exhausted");
      throw new ControlPlaneError("OTP_ATTEMPTS_EXCEEDED", "too many wrong codes; this code no longer works, request a new one", { attemptsLeft: 0 });
    }
    this.observe("wrong");
    throw new ControlPlaneError("OTP_INVALID", "wrong code", { attemptsLeft: this.maxAttempts - attempt });
  }

  private phone(input: string): string {
    const result = normalizeVietnamesePhone(input ?? "");
    if (!result.ok) {
      this.observe("invalid_input");
      throw new ControlPlaneError("PHONE_INVALID", result.message, { field: "phone" });
    }
    return result.e164;
  }

  private key(phone: string): string {
    return `${this.prefix}otp:${phone}`;
  }

  private hash(phone: string, code: string): string {
    return createHmac("sha256", this.options.pepper).update(`${phone}:${code}`).digest("hex");
  }

  private async consume(limiter: keyof OtpLimits, key: string, message: string): Promise<void> {
    try {
      await this.limiters[limiter].consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.observe("rate_limited");
        const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new ControlPlaneError("RATE_LIMITED", `${message} (retry after ${retryAfterSeconds} s)`, { retryAfterSeconds });
      }
      throw rejection;
    }
  }
}
