// Redis cache for dashboard figures. Each location has a version counter that every new sale
// increments (after its transaction commits, before the mutation returns); cached entries carry
// the version they were computed at and count only while it is current. So a reader never sees a
// total older than the last completed write, even when it raced that write, and entries expire
// after TTL_SECONDS regardless.
import type { Redis } from "ioredis";
import type { Logger } from "../../common/index.js";

export const TTL_SECONDS = 60;

export interface CacheLookup<T> {
  version: string;
  value: T | undefined;
}

export interface DashboardCache {
  get<T>(locationId: string, signature: string): Promise<CacheLookup<T>>;
  set<T>(locationId: string, signature: string, version: string, value: T): Promise<void>;
  invalidate(locationIds: Iterable<string>): Promise<void>;
}

/** No Redis configured: every read goes to the aggregates (which are cheap; see docs/cell.md). */
export const noCache: DashboardCache = {
  async get() {
    return { version: "", value: undefined };
  },
  async set() {},
  async invalidate() {},
};

export function redisDashboardCache(redis: Redis, namespace: string, log: Logger): DashboardCache {
  const versionKey = (locationId: string) => `lsp:${namespace}:dash-version:${locationId}`;
  const entryKey = (locationId: string, signature: string) => `lsp:${namespace}:dash:${locationId}:${signature}`;
  // After a failed invalidation this process stops trusting the cache for one TTL: the entry it
  // could not invalidate expires by then.
  let bypassUntil = 0;

  return {
    async get<T>(locationId: string, signature: string): Promise<CacheLookup<T>> {
      if (Date.now() < bypassUntil) return { version: "", value: undefined };
      try {
        const [version, raw] = await redis.mget(versionKey(locationId), entryKey(locationId, signature));
        const v = version ?? "0";
        if (!raw) return { version: v, value: undefined };
        const entry = JSON.parse(raw) as { v: string; d: T };
        return { version: v, value: entry.v === v ? entry.d : undefined };
      } catch (error) {
        log.warn({ err: error }, "Dashboard cache read failed; reading aggregates");
        return { version: "", value: undefined };
      }
    },
    async set(locationId, signature, version, value) {
      if (version === "" || Date.now() < bypassUntil) return;
      try {
        await redis.set(entryKey(locationId, signature), JSON.stringify({ v: version, d: value }), "EX", TTL_SECONDS);
      } catch (error) {
        log.warn({ err: error }, "Dashboard cache write failed");
      }
    },
    async invalidate(locationIds) {
      const ids = [...new Set(locationIds)];
      if (ids.length === 0) return;
      try {
        // Separate commands, not a pipeline object: on an auto-pipelining connection they share a
        // socket write with whatever else this tick sends (other sales' bumps, cache reads).
        await Promise.all(ids.map((id) => redis.incr(versionKey(id))));
      } catch (error) {
        bypassUntil = Date.now() + TTL_SECONDS * 1000;
        log.error({ err: error, locations: ids }, "Dashboard cache invalidation failed; bypassing the cache for one TTL");
      }
    },
  };
}
