// The control plane's short-lived state — OTP codes with their attempt counts, rate-limit
// counters, the development SMS outbox — behind one small interface, so it can live in Redis
// (any number of control-plane processes) or in this process's memory (exactly one process: the
// local platform without Redis). Losing it costs users a new code, never data (ADR 0540).
import type { RateLimiterAbstract } from "rate-limiter-flexible";

export type StateMode = "redis" | "single-process";

/** What readiness reports for Redis when the control plane runs without it. */
export const SINGLE_PROCESS_READINESS = "not used (single-process mode)";

export interface StoredCode {
  /** HMAC of the code: the store never sees the code itself. */
  hash: string;
  attempts: number;
  ttlMs: number;
}

export interface OtpCodeStore {
  /** Replaces any code under `key`, and its attempt count, with `hash`, expiring after `ttlSeconds`. */
  put(key: string, hash: string, ttlSeconds: number): Promise<void>;
  /**
   * Counts one attempt and returns the hash with the new count as one atomic step, so concurrent
   * guesses cannot share an attempt; undefined when no live code exists.
   */
  takeAttempt(key: string): Promise<{ hash: string; attempt: number } | undefined>;
  /** Deletes the code; true only for the one call that removed it (which claims a correct code). */
  remove(key: string): Promise<boolean>;
  /** What is stored under `key` (tests and debugging). */
  inspect(key: string): Promise<StoredCode | undefined>;
}

/** Newest-first lists that keep at most `keep` items (the SMS outbox). */
export interface BoundedLists {
  push(key: string, item: string, keep: number): Promise<void>;
  newest(key: string, count: number): Promise<string[]>;
}

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}

export interface VolatileState {
  readonly mode: StateMode;
  readonly otpCodes: OtpCodeStore;
  readonly lists: BoundedLists;
  /** A rate-limiter-flexible limiter on this state (the same consume/RateLimiterRes API either way). */
  rateLimiter(options: LimiterOptions): RateLimiterAbstract;
  /** Readiness of the backing store: "ok", SINGLE_PROCESS_READINESS, or a rejection saying why not. */
  check(): Promise<string>;
}
