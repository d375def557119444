// The versioned dashboard cache against the test Redis, including what a Redis restart leaves
// behind (the cell's Redis keeps nothing across one).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { createLogger } from "../../common/index.js";
import { redisDashboardCache, type DashboardCache } from "./index.js";

describe("Given the dashboard cache on Redis", () => {
  let redis: Redis;
  let cache: DashboardCache;
  const namespace = `dashcache_${process.pid}_${Date.now()}`;
  /** What a restart of the cell's Redis does to this namespace: every key gone. */
  const restartRedis = async () => {
    const keys = await redis.keys(`lsp:${namespace}:*`);
    if (keys.length) await redis.del(...keys);
  };

  beforeAll(() => {
    if (!process.env.REDIS_URL) throw new Error("REDIS_URL is not set: run with LSP_TEST_SERVICES including redis");
    redis = new Redis(process.env.REDIS_URL);
    cache = redisDashboardCache(redis, namespace, createLogger("test", "silent"));
  });
  afterAll(async () => {
    await restartRedis();
    redis.disconnect();
  });

  it("serves an entry while its version is current, and not after a sale", async () => {
    const location = randomUUID();
    const read = await cache.get<string>(location, "sig");
    expect(read.value).toBeUndefined();
    await cache.set(location, "sig", read.version, "figures");
    expect((await cache.get<string>(location, "sig")).value).toBe("figures");
    await cache.invalidate([location]);
    expect((await cache.get<string>(location, "sig")).value).toBeUndefined();
  });

  it("never makes current again an entry stored across a restart, however many sales follow", async () => {
    const location = randomUUID();
    await cache.invalidate([location]);
    await cache.invalidate([location]);
    // A reader reads the version, and Redis restarts while it computes the figures...
    const inFlight = await cache.get<string>(location, "sig");
    await restartRedis();
    // ...so its entry, missing the sales below, lands in the new Redis under the old version.
    await cache.set(location, "sig", inFlight.version, "missing the next sales");
    for (let sales = 1; sales <= 3; sales++) {
      await cache.invalidate([location]);
      expect({ sales, value: (await cache.get<string>(location, "sig")).value }).toEqual({ sales, value: undefined });
    }
  });

  it("keeps each location's counter a plain count of invalidations (the importer bumps it too)", async () => {
    const location = randomUUID();
    await cache.invalidate([location]);
    await cache.invalidate([location, location]);
    expect(await redis.get(`lsp:${namespace}:dash-version:${location}`)).toBe("2");
  });
});
