// One refusal for every rate limit of the control plane: RATE_LIMITED with when to retry.
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ControlPlaneError } from "./errors.js";

/**
 * Takes a point from `limiter` for `key`, or throws RATE_LIMITED with `retryAfterSeconds` and the
 * message `refusal(retryAfterSeconds)` builds. Other failures (Redis down) pass through.
 */
export async function consumeOrRefuse(limiter: RateLimiterAbstract, key: string, refusal: (retryAfterSeconds: number) => string, onRefused?: () => void): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    onRefused?.();
    const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw new ControlPlaneError("RATE_LIMITED", refusal(retryAfterSeconds), { retryAfterSeconds });
  }
}
