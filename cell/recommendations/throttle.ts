// At most one ML refresh per tenant and location a minute. A refresh can load a location's whole
// ML input (a year of item-days and a 90-day basket join) whenever the pod lacks the data version,
// and on every call while the breaker is open; a manager pressing "refresh" in a loop would compete
// with sales entry for the pool. The advice is computed from data up to yesterday, so a second
// refresh within the minute could differ only after a back-dated sale or a menu change in that
// minute: the caller answers it from the stored list instead of refusing it.
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export const REFRESH_INTERVAL_SECONDS = 60;

export interface RefreshThrottle {
  /** Takes the location's refresh of the current interval: true when this call may refresh, false while throttled. */
  take(tenantId: string, locationId: string): Promise<boolean>;
}

/**
 * Shared by every API replica through Redis when given one (a per-process count stands in while
 * Redis is unreachable); per process without.
 */
export function refreshThrottle(options: { redis?: Redis; namespace?: string; intervalSeconds?: number } = {}): RefreshThrottle {
  const duration = options.intervalSeconds ?? REFRESH_INTERVAL_SECONDS;
  const keyPrefix = `lsp:${options.namespace ?? "cell"}:recs-refresh`;
  const memory = new RateLimiterMemory({ keyPrefix, points: 1, duration });
  const limiter: RateLimiterAbstract = options.redis ? new RateLimiterRedis({ storeClient: options.redis, keyPrefix, points: 1, duration, insuranceLimiter: memory }) : memory;
  return {
    async take(tenantId, locationId) {
      try {
        await limiter.consume(`${tenantId}:${locationId}`);
        return true;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return false;
        throw rejection;
      }
    },
  };
}
