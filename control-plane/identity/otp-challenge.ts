// A challenge on the phone's public lane of code requests (ADR 0510): Cloudflare Turnstile, checked
// with its Siteverify API. A request that carries a solved challenge is counted against a ceiling
// of its own, so strangers' scripted requests, however many addresses they come from, cannot
// spend what a person who solves the challenge is allowed.
import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { ControlPlaneError } from "./errors.js";

export const TURNSTILE_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
export const TURNSTILE_SCRIPT_URL = "https://challenges.cloudflare.com/turnstile/v0/api.js";
/** The widget's `action`: a token solved for another form of ours (or another site's) is refused. */
export const OTP_CHALLENGE_ACTION = "otp-request";
/** Turnstile's own bound on a token's length. */
const MAX_TOKEN_LENGTH = 2048;

export interface OtpChallengeConfig {
  siteKey: string;
  secret: string;
  verifyUrl?: string;
  /** Where browsers load the widget from (the web apps read it from the offer). */
  scriptUrl?: string;
  /** Siteverify's answer is awaited this long (default 5 s); then the request is refused as unavailable. */
  timeoutMs?: number;
}

/** What a client needs to show the challenge: sent with the refusal that calls for it. */
export interface ChallengeOffer {
  provider: "turnstile";
  siteKey: string;
  scriptUrl: string;
  action: string;
}

interface SiteverifyReply {
  success?: boolean;
  "error-codes"?: string[];
  action?: string;
}

export class TurnstileChallenge {
  readonly offer: ChallengeOffer;
  readonly #secret: string;
  readonly #verifyUrl: string;
  readonly #timeoutMs: number;

  constructor(config: OtpChallengeConfig) {
    if (!config.siteKey || !config.secret) throw new Error("an OTP challenge needs both a site key and a secret");
    this.offer = { provider: "turnstile", siteKey: config.siteKey, scriptUrl: config.scriptUrl ?? TURNSTILE_SCRIPT_URL, action: OTP_CHALLENGE_ACTION };
    this.#secret = config.secret;
    this.#verifyUrl = config.verifyUrl ?? TURNSTILE_VERIFY_URL;
    this.#timeoutMs = config.timeoutMs ?? 5_000;
  }

  /**
   * Resolves when `token` is a challenge solved for our action; otherwise throws CHALLENGE_FAILED
   * (field challengeToken: solve it again), or CHALLENGE_UNAVAILABLE when Siteverify cannot say.
   * Each token counts once: Siteverify refuses a replay (`timeout-or-duplicate`).
   */
  async check(token: string, clientAddress: string): Promise<void> {
    if (token.length > MAX_TOKEN_LENGTH) throw failed("the challenge token is longer than any Turnstile token");
    const form = new URLSearchParams({ secret: this.#secret, response: token, idempotency_key: randomUUID() });
    // The per-IP limits key IPv6 by its /64, which is not an address Siteverify could use.
    if (isIP(clientAddress)) form.set("remoteip", clientAddress);
    let reply: SiteverifyReply;
    try {
      const response = await fetch(this.#verifyUrl, { method: "POST", body: form, signal: AbortSignal.timeout(this.#timeoutMs) });
      if (!response.ok) throw new Error(`Siteverify answered ${response.status}`);
      reply = (await response.json()) as SiteverifyReply;
    } catch (error) {
      throw new ControlPlaneError("CHALLENGE_UNAVAILABLE", "the challenge could not be checked just now; try again in a moment", {}, { cause: error });
    }
    const codes = reply["error-codes"] ?? [];
    // Our own configuration is wrong: the person solving it can do nothing about that.
    if (codes.some((c) => c.includes("secret"))) throw new ControlPlaneError("CHALLENGE_UNAVAILABLE", "the challenge could not be checked just now; try again in a moment", {}, { cause: new Error(`Siteverify: ${codes.join(", ")}`) });
    if (reply.success !== true) throw failed(codes.includes("timeout-or-duplicate") ? "this challenge expired or was already used; solve it again" : "the challenge was not solved; solve it again");
    if (reply.action !== undefined && reply.action !== OTP_CHALLENGE_ACTION) throw failed("this challenge was solved for another form; solve it again");
  }
}

function failed(message: string): ControlPlaneError {
  return new ControlPlaneError("CHALLENGE_FAILED", message, { field: "challengeToken" });
}
