// Expected failures of the control plane, each with a stable code and one HTTP status, so REST
// and GraphQL report them the same way and clients can branch on the code, not the text.
import type { ChallengeOffer } from "./otp-challenge.js";

export const ErrorStatus = {
  BAD_REQUEST: 400,
  PHONE_INVALID: 400,
  CODE_INVALID: 400,
  SLUG_INVALID: 400,
  SLUG_RESERVED: 400,
  UNAUTHENTICATED: 401,
  OTP_INVALID: 401,
  OTP_EXPIRED: 401,
  OTP_ATTEMPTS_EXCEEDED: 401,
  REFRESH_TOKEN_INVALID: 401,
  REFRESH_TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TENANT_NOT_FOUND: 404,
  SLUG_TAKEN: 409,
  INVITE_INVALID: 400,
  CHALLENGE_FAILED: 400,
  JOIN_CODE_INVALID: 400,
  RATE_LIMITED: 429,
  TENANT_REGISTRY_UNAVAILABLE: 503,
  SMS_UNAVAILABLE: 503,
  CHALLENGE_UNAVAILABLE: 503,
  QUERY_TIMEOUT: 503,
} as const;

export type ErrorCode = keyof typeof ErrorStatus;

export class ControlPlaneError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { field?: string; retryAfterSeconds?: number; attemptsLeft?: number; challenge?: ChallengeOffer } = {},
    /** The underlying failure, for the log only: clients get `message`. */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ControlPlaneError";
  }

  get status(): number {
    return ErrorStatus[this.code];
  }
}
