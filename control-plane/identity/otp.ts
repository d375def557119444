// Phone OTP: a 6-digit code, stored only as an HMAC for 120 s (in Redis, or in process memory in
// single-process mode), good for one successful verification and at most 5 tries. Requests are
// rate-limited per IP and per lane, each lane with its own resend cooldown: the phone's public
// lane, counted per requesting address (3 an hour and 5 a day from each) under a ceiling for all
// addresses together (10 an hour, 20 a day; ADR 0508), and one lane per known device (a device
// token from an earlier sign-in: 5 an hour and 8 a day each, 20 a day for all of a phone's
// devices, and its own code), so a stranger spending the public quota or guessing its code cannot
// lock the owner's known devices out (ADR 0507), nor, from one address, anyone else.
// Verifications are limited per IP, so one client cannot spread guesses across many phones.
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { Redis } from "ioredis";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { deviceIdFrom, issueDeviceToken } from "./device-tokens.js";
import { ControlPlaneError } from "./errors.js";
import type { TurnstileChallenge } from "./otp-challenge.js";
import { normalizeVietnamesePhone } from "./phone.js";
import { consumeOrRefuse } from "./rate-limit.js";
import { RedisState } from "./redis-state.js";
import { sendSms, smsText, type SmsProvider } from "./sms.js";
import type { VolatileState } from "./volatile-state.js";

export interface Limit {
  points: number;
  durationSeconds: number;
}

export interface OtpOptions {
  /** Secret mixed into the stored hash: a dump of the store alone must not reveal codes (10^6 is searchable). */
  pepper: string;
  keyPrefix?: string;
  ttlSeconds?: number;
  maxAttempts?: number;
  limits?: Partial<OtpLimits>;
  /**
   * When the phone's known devices were last forgotten (ms since the epoch; "sign out everywhere",
   * ADR 0509): device tokens minted before then count as no token. Asked only when a token is given.
   */
  devicesForgottenAt?: (phone: string) => Promise<number | undefined>;
  /**
   * A challenge for the public lane (ADR 0510). When set, a request carrying a solved challenge is
   * counted against the challenged ceilings instead of the public ones, and a refusal by the
   * public ceilings offers the challenge.
   */
  challenge?: TurnstileChallenge;
}

export interface OtpLimits {
  /**
   * Codes a phone's public lane (no valid device token) may be sent, for all addresses together:
   * per hour, and per day. The ceiling against SMS pumping and guessing.
   */
  requestPerPhone: Limit;
  requestPerPhoneDaily: Limit;
  /**
   * The public lane's codes requested from one address (IPv4, or an IPv6 /64) per hour and per day:
   * well below the ceiling, so a stranger at one address cannot spend it for everyone else.
   */
  requestPerPhoneFromAddress: Limit;
  requestPerPhoneFromAddressDaily: Limit;
  /**
   * The public lane's codes requested with a solved challenge, for all addresses together, per
   * hour and per day: a ceiling apart from the one scripted requests can spend (ADR 0510).
   */
  requestPerPhoneChallenged: Limit;
  requestPerPhoneChallengedDaily: Limit;
  /**
   * Codes one known device may ask for per hour and per day, and all of a phone's known devices
   * together per day. The per-device day is well below the phone's, so one leaked token cannot
   * spend every known device's quota.
   */
  requestPerKnownDevice: Limit;
  requestPerKnownDeviceDaily: Limit;
  requestPerPhoneFromKnownDevicesDaily: Limit;
  /** Per lane (and on the public lane per address): a stranger's requests do not hold back the owner's. */
  resendCooldown: Limit;
  requestPerIp: Limit;
  verifyPerIp: Limit;
}

export const DEFAULT_OTP_LIMITS: OtpLimits = {
  requestPerPhone: { points: 10, durationSeconds: 3_600 },
  // Bounds SMS pumping to a number the caller controls: at most 40 codes a day per phone (20
  // public, 20 from known devices), 60 with a challenge configured (20 more, each one solved).
  requestPerPhoneDaily: { points: 20, durationSeconds: 86_400 },
  requestPerPhoneFromAddress: { points: 3, durationSeconds: 3_600 },
  requestPerPhoneFromAddressDaily: { points: 5, durationSeconds: 86_400 },
  requestPerPhoneChallenged: { points: 10, durationSeconds: 3_600 },
  requestPerPhoneChallengedDaily: { points: 20, durationSeconds: 86_400 },
  requestPerKnownDevice: { points: 5, durationSeconds: 3_600 },
  requestPerKnownDeviceDaily: { points: 8, durationSeconds: 86_400 },
  requestPerPhoneFromKnownDevicesDaily: { points: 20, durationSeconds: 86_400 },
  resendCooldown: { points: 1, durationSeconds: 30 },
  requestPerIp: { points: 30, durationSeconds: 3_600 },
  verifyPerIp: { points: 100, durationSeconds: 600 },
};

/** The public lane's phone-wide ceilings: what strangers from many addresses can spend, so what a solved challenge gets past. */
const PUBLIC_CEILINGS = ["requestPerPhone", "requestPerPhoneDaily"] as const;
type PublicCeiling = (typeof PUBLIC_CEILINGS)[number];
const CEILING_REFUSALS: Record<PublicCeiling, string> = {
  requestPerPhone: "too many codes requested for this phone",
  requestPerPhoneDaily: "too many codes requested for this phone today",
};

export type OtpOutcome = "sent" | "verified" | "wrong" | "expired" | "exhausted" | "rate_limited" | "invalid_input" | "challenge_failed";

/** Why one code slot refused a code; `hadCode` is false when the slot held no code at all. */
interface SlotRefusal {
  outcome: "wrong" | "expired" | "exhausted";
  hadCode: boolean;
  error: ControlPlaneError;
}

export class OtpService {
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  private readonly prefix: string;
  private readonly state: VolatileState;
  private readonly limiters: Record<keyof OtpLimits, RateLimiterAbstract>;

  constructor(
    // A bare Redis client is still taken (the benchmark passes one); it means RedisState.
    state: VolatileState | Redis,
    private readonly sms: SmsProvider,
    private readonly options: OtpOptions,
    private readonly observe: (outcome: OtpOutcome) => void = () => {},
  ) {
    if (options.pepper.length < 16) throw new Error("OTP pepper must be at least 16 characters");
    this.ttlSeconds = options.ttlSeconds ?? 120;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.prefix = options.keyPrefix ?? "";
    this.state = state instanceof Redis ? new RedisState(state) : state;
    const limits = { ...DEFAULT_OTP_LIMITS, ...options.limits };
    const limiter = (name: keyof OtpLimits) =>
      this.state.rateLimiter({ keyPrefix: `${this.prefix}rl:${name}`, points: limits[name].points, durationSeconds: limits[name].durationSeconds });
    this.limiters = Object.fromEntries((Object.keys(limits) as (keyof OtpLimits)[]).map((name) => [name, limiter(name)])) as Record<keyof OtpLimits, RateLimiterAbstract>;
  }

  /**
   * Sends a code. With a valid device token for this phone the request uses that device's lane
   * (its own quota, cooldown and code); without one, or with a forged, foreign or expired one, the
   * phone's public lane. There, a solved challenge (when one is configured) is checked before
   * anything is counted, and moves the request from the public ceilings to the challenged ones.
   */
  async request(phoneInput: string, ip: string, deviceToken?: string, challengeToken?: string): Promise<{ phone: string; expiresIn: number }> {
    const phone = this.phone(phoneInput);
    const device = await this.knownDevice(phone, deviceToken);
    await this.consume("requestPerIp", ip, "too many code requests from this address");
    const challenged = !device && challengeToken !== undefined && this.options.challenge !== undefined;
    if (challenged) {
      await this.options.challenge!.check(challengeToken, ip).catch((error: unknown) => {
        if (error instanceof ControlPlaneError && error.code === "CHALLENGE_FAILED") this.observe("challenge_failed");
        throw error;
      });
    }
    // Cheapest refusal first: a request the hourly limit refuses does not spend the daily one.
    if (device) {
      await this.consume("resendCooldown", this.laneKey(phone, device), "a code was just sent to this device; wait before asking again");
      await this.consume("requestPerKnownDevice", this.laneKey(phone, device), "too many codes requested from this device");
      await this.consume("requestPerKnownDeviceDaily", this.laneKey(phone, device), "too many codes requested from this device today");
      await this.consume("requestPerPhoneFromKnownDevicesDaily", phone, "too many codes requested for this phone today");
    } else {
      // Strangers may have spent the phone-wide ceiling: say so, offering the challenge, before this
      // address's cooldown and quota are spent, so the solved request that follows is not refused
      // by the cooldown of the one refused here.
      if (!challenged) await this.refuseIfSpent(PUBLIC_CEILINGS, phone);
      const fromAddress = `${phone}:a:${ip}`;
      await this.consume("resendCooldown", fromAddress, "a code was just sent to this phone; wait before asking again");
      await this.consume("requestPerPhoneFromAddress", fromAddress, "too many codes requested for this phone from this address");
      await this.consume("requestPerPhoneFromAddressDaily", fromAddress, "too many codes requested for this phone from this address today");
      if (challenged) {
        await this.consume("requestPerPhoneChallenged", phone, "too many codes requested for this phone");
        await this.consume("requestPerPhoneChallengedDaily", phone, "too many codes requested for this phone today");
      } else {
        for (const ceiling of PUBLIC_CEILINGS) await this.offeringChallenge(() => this.consume(ceiling, phone, CEILING_REFUSALS[ceiling]));
      }
    }
    const key = this.key(phone, device);
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    // A new code replaces the lane's old one and its attempt count; the lane's limits bound how often.
    await this.state.otpCodes.put(key, this.hash(phone, code), this.ttlSeconds);
    try {
      await sendSms(this.sms, phone, smsText.otp(code, this.ttlSeconds));
    } catch (error) {
      // A code nobody received must not linger; the limits already spent stay spent.
      await this.state.otpCodes.remove(key);
      throw error;
    }
    this.observe("sent");
    return { phone, expiresIn: this.ttlSeconds };
  }

  /**
   * Checks a code against the device's own slot when a valid device token is given, and then
   * against the phone's public slot: also when the device's code was wrong, because the owner may
   * type the code a stranger's request sent (both SMS read alike). Each slot counts its own
   * attempts, so nobody gets more than `maxAttempts` guesses at any code. Returns a device token
   * to keep: the same device renewed, or a new one.
   */
  async verify(phoneInput: string, code: string, ip: string, deviceToken?: string): Promise<{ phone: string; deviceToken: string }> {
    const phone = this.phone(phoneInput);
    if (!/^\d{6}$/.test(code)) {
      this.observe("invalid_input");
      throw new ControlPlaneError("CODE_INVALID", "code must be exactly 6 digits", { field: "code" });
    }
    await this.consume("verifyPerIp", ip, "too many verification attempts from this address");
    const device = await this.knownDevice(phone, deviceToken);
    let refusal: SlotRefusal | undefined;
    for (const key of device ? [this.key(phone, device), this.key(phone)] : [this.key(phone)]) {
      const result = await this.checkSlot(key, phone, code);
      if (result === "verified") {
        this.observe("verified");
        return { phone, deviceToken: issueDeviceToken(this.options, phone, device) };
      }
      // The first slot that held a code says why; "no code" only when neither did.
      if (!refusal || (!refusal.hadCode && result.hadCode)) refusal = result;
    }
    this.observe(refusal!.outcome);
    throw refusal!.error;
  }

  /** Refuses, spending nothing, when any of `limits` has no point left for `key` (offering the challenge, if any). */
  private async refuseIfSpent(limits: readonly PublicCeiling[], key: string): Promise<void> {
    if (!this.options.challenge) return;
    for (const name of limits) {
      const state = await this.limiters[name].get(key);
      if (state && state.remainingPoints <= 0 && state.msBeforeNext > 0) {
        this.observe("rate_limited");
        const retryAfterSeconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
        throw new ControlPlaneError("RATE_LIMITED", `${CEILING_REFUSALS[name]} (retry after ${retryAfterSeconds} s); solving the challenge gets a code now`, { retryAfterSeconds, challenge: this.options.challenge.offer });
      }
    }
  }

  /**
   * The public ceilings are what strangers can spend from many addresses: when they refuse, the
   * refusal offers the challenge (if any), whose solution gets the request through on its own.
   */
  private async offeringChallenge(consume: () => Promise<void>): Promise<void> {
    try {
      await consume();
    } catch (error) {
      const offer = this.options.challenge?.offer;
      if (offer && error instanceof ControlPlaneError && error.code === "RATE_LIMITED") {
        throw new ControlPlaneError("RATE_LIMITED", `${error.message}; solving the challenge gets a code now`, { ...error.details, challenge: offer });
      }
      throw error;
    }
  }

  /** The device a valid, unforgotten token for `phone` names; undefined means the public lane. */
  private async knownDevice(phone: string, token: string | undefined): Promise<string | undefined> {
    if (!token) return undefined;
    const forgottenAt = await this.options.devicesForgottenAt?.(phone);
    return deviceIdFrom(this.options, phone, token, Date.now(), forgottenAt);
  }

  private async checkSlot(key: string, phone: string, code: string): Promise<"verified" | SlotRefusal> {
    const taken = await this.state.otpCodes.takeAttempt(key);
    if (!taken) return { outcome: "expired", hadCode: false, error: new ControlPlaneError("OTP_EXPIRED", "no active code for this phone (expired, used or never sent); request a new one") };
    const { hash: storedHash, attempt } = taken;
    if (attempt > this.maxAttempts) {
      await this.state.otpCodes.remove(key);
      return { outcome: "exhausted", hadCode: true, error: new ControlPlaneError("OTP_ATTEMPTS_EXCEEDED", "too many wrong codes; this code no longer works, request a new one") };
    }
    if (timingSafeEqual(Buffer.from(storedHash, "hex"), Buffer.from(this.hash(phone, code), "hex"))) {
      // Deleting is what claims the code: of two concurrent correct verifications only one wins.
      if (await this.state.otpCodes.remove(key)) return "verified";
      return { outcome: "expired", hadCode: true, error: new ControlPlaneError("OTP_EXPIRED", "this code was already used; request a new one") };
    }
    if (attempt >= this.maxAttempts) {
      await this.state.otpCodes.remove(key);
      return { outcome: "exhausted", hadCode: true, error: new ControlPlaneError("OTP_ATTEMPTS_EXCEEDED", "too many wrong codes; this code no longer works, request a new one", { attemptsLeft: 0 }) };
    }
    return { outcome: "wrong", hadCode: true, error: new ControlPlaneError("OTP_INVALID", "wrong code", { attemptsLeft: this.maxAttempts - attempt }) };
  }

  private phone(input: string): string {
    const result = normalizeVietnamesePhone(input ?? "");
    if (!result.ok) {
      this.observe("invalid_input");
      throw new ControlPlaneError("PHONE_INVALID", result.message, { field: "phone" });
    }
    return result.e164;
  }

  /** Where a lane's code lives: `otp:<phone>` for the public lane, `otp:<phone>:d:<device>` for a device's. */
  private key(phone: string, device?: string): string {
    return `${this.prefix}otp:${this.laneKey(phone, device)}`;
  }

  private laneKey(phone: string, device?: string): string {
    return device ? `${phone}:d:${device}` : phone;
  }

  private hash(phone: string, code: string): string {
    return createHmac("sha256", this.options.pepper).update(`${phone}:${code}`).digest("hex");
  }

  private consume(limiter: keyof OtpLimits, key: string, message: string): Promise<void> {
    return consumeOrRefuse(this.limiters[limiter], key, (s) => `${message} (retry after ${s} s)`, () => this.observe("rate_limited"));
  }
}
