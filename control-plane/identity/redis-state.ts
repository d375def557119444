// Volatile control-plane state in Redis: shared by every control-plane replica.
import type { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import type { BoundedLists, LimiterOptions, OtpCodeStore, StoredCode, VolatileState } from "./volatile-state.js";

// Count the attempt and read the hash in one step, so concurrent guesses cannot share one attempt.
const TAKE_ATTEMPT = `
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return nil end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
return {h, n}`;

class RedisOtpCodes implements OtpCodeStore {
  constructor(private readonly redis: Redis) {}

  async put(key: string, hash: string, ttlSeconds: number): Promise<void> {
    await this.redis.multi().del(key).hset(key, "h", hash, "n", "0").expire(key, ttlSeconds).exec();
  }

  async takeAttempt(key: string): Promise<{ hash: string; attempt: number } | undefined> {
    const taken = (await this.redis.eval(TAKE_ATTEMPT, 1, key)) as [string, number] | null;
    return taken ? { hash: taken[0], attempt: Number(taken[1]) } : undefined;
  }

  async remove(key: string): Promise<boolean> {
    return (await this.redis.del(key)) === 1;
  }

  async inspect(key: string): Promise<StoredCode | undefined> {
    const [stored, ttlMs] = await Promise.all([this.redis.hgetall(key), this.redis.pttl(key)]);
    if (!stored.h) return undefined;
    return { hash: stored.h, attempts: Number(stored.n ?? 0), ttlMs };
  }
}

class RedisLists implements BoundedLists {
  constructor(private readonly redis: Redis) {}

  async push(key: string, item: string, keep: number): Promise<void> {
    await this.redis.multi().lpush(key, item).ltrim(key, 0, keep - 1).exec();
  }

  async newest(key: string, count: number): Promise<string[]> {
    return this.redis.lrange(key, 0, count - 1);
  }
}

export class RedisState implements VolatileState {
  readonly mode = "redis";
  readonly otpCodes: OtpCodeStore;
  readonly lists: BoundedLists;

  /** The client stays the caller's to close. */
  constructor(private readonly redis: Redis) {
    this.otpCodes = new RedisOtpCodes(redis);
    this.lists = new RedisLists(redis);
  }

  rateLimiter(o: LimiterOptions): RateLimiterRedis {
    return new RateLimiterRedis({ storeClient: this.redis, keyPrefix: o.keyPrefix, points: o.points, duration: o.durationSeconds });
  }

  async check(): Promise<string> {
    await this.redis.ping();
    return "ok";
  }
}
