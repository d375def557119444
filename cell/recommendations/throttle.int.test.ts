// The refresh throttle against the test Redis: one refresh per tenant and location per interval,
// shared by every replica (two throttles on one Redis stand for two API pods).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { refreshThrottle } from "./index.js";

describe("Given refresh throttles of two API replicas sharing Redis", () => {
  let redis: Redis;
  const namespace = `throttle_${process.pid}_${Date.now()}`;
  const tenant = randomUUID();

  beforeAll(() => {
    if (!process.env.REDIS_URL) throw new Error("REDIS_URL is not set: run with LSP_TEST_SERVICES including redis");
    redis = new Redis(process.env.REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`lsp:${namespace}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it("lets one refresh of a location through per interval, whichever replica is asked", async () => {
    const [a, b] = [refreshThrottle({ redis, namespace, intervalSeconds: 1 }), refreshThrottle({ redis, namespace, intervalSeconds: 1 })];
    const location = randomUUID();
    expect(await a.take(tenant, location)).toBe(true);
    expect(await a.take(tenant, location)).toBe(false);
    expect(await b.take(tenant, location)).toBe(false);
    // Another location, or the same location id under another tenant, has its own.
    expect(await b.take(tenant, randomUUID())).toBe(true);
    expect(await b.take(randomUUID(), location)).toBe(true);
    await sleep(1_100);
    expect(await b.take(tenant, location)).toBe(true);
  });

  it("keeps counting per process while Redis cannot be reached", async () => {
    const down = new Redis("redis://127.0.0.1:1", { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on("error", () => {});
    try {
      const throttle = refreshThrottle({ redis: down, namespace });
      const location = randomUUID();
      expect(await throttle.take(tenant, location)).toBe(true);
      expect(await throttle.take(tenant, location)).toBe(false);
    } finally {
      down.disconnect();
    }
  });
});
