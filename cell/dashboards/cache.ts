// Redis cache for dashboard figures. Each location has a version counter that every new sale
// increments (after its transaction commits, before the mutation returns); cached entries carry
// the version they were computed at and count only while it is current. So a reader never sees a
// total older than the last completed write, even when it raced that write, and entries expire
// after TTL_SECONDS regardless.
//
// Versions must never come back. The cell's Redis keeps nothing across a restart (no persistence)
// and the counters start again from 0, while a reader in flight across the restart can still
// store an entry under the version it read before: once as many sales as that entry misses were
// recorded, a bare counter would make it current again. So a version also names the Redis boot it
// was read in: an epoch key, a random id set by the first reader that finds it missing (a restart
// loses it with the counters). The counters stay plain INCRs (the sales path and the importer).
// This assumes Redis evicts nothing (the operator sets no maxmemory policy): a counter evicted on
// its own would repeat within an epoch.
import { randomUUID } from "node:crypto";
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
  const epochKey = `lsp:${namespace}:dash-epoch`;
  const entryKey = (locationId: string, signature: string) => `lsp:${namespace}:dash:${locationId}:${signature}`;
  // After a failed invalidation this process stops trusting the cache for one TTL: the entry it
  // could not invalidate expires by then.
  let bypassUntil = 0;

  /** The first read since Redis started names its epoch (two more round trips, once per boot). */
  async function startEpoch(): Promise<string | null> {
    await redis.set(epochKey, randomUUID(), "NX");
    return redis.get(epochKey);
  }

  return {
    async get<T>(locationId: string, signature: string): Promise<CacheLookup<T>> {
      if (Date.now() < bypassUntil) return { version: "", value: undefined };
      try {
        const [epoch, counter, raw] = await redis.mget(epochKey, versionKey(locationId), entryKey(locationId, signature));
        // An entry read with the epoch missing was stored in an earlier boot: it never matches.
        const current = epoch ?? (await startEpoch());
        if (!current) return { version: "", value: undefined };
        const v = `${current}:${counter ?? "0"}`;
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
