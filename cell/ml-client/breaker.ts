// A small circuit breaker: after `failureThreshold` consecutive failures the circuit opens and
// calls go straight to the fallback for `resetTimeoutMs`; then one probe call is let through
// (half-open) and its outcome closes or re-opens the circuit. The clock is injectable for tests.

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  failureThreshold?: number;
  resetTimeoutMs?: number;
  now?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = "closed";
  private readonly threshold: number;
  private readonly resetTimeoutMs: number;
  private readonly now: () => number;

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? 5;
    this.resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
    if (!(this.threshold >= 1)) throw new RangeError(`breaker.failureThreshold must be >= 1, got ${this.threshold}`);
    if (!(this.resetTimeoutMs >= 0)) throw new RangeError(`breaker.resetTimeoutMs must be >= 0, got ${this.resetTimeoutMs}`);
  }

  get state(): BreakerState {
    if (this.current === "open" && this.now() - this.openedAt >= this.resetTimeoutMs) return "half_open";
    return this.current;
  }

  /** Whether a call may go to the ML pod now. In half-open state only one probe at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.current = "closed";
  }

  failure(): void {
    this.probing = false;
    this.failures++;
    if (this.current !== "closed" || this.failures >= this.threshold) {
      this.current = "open";
      this.openedAt = this.now();
    }
  }
}
