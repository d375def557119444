// Volatile control-plane state in this process's memory: the single-process fallback when there
// is no Redis (ADR 0540). Correct for exactly one control-plane process — a second process would
// keep its own codes and counters — which is why only the local platform chooses it.
import { RateLimiterMemory } from "rate-limiter-flexible";
import { SINGLE_PROCESS_READINESS, type BoundedLists, type LimiterOptions, type OtpCodeStore, type StoredCode, type VolatileState } from "./volatile-state.js";

interface CodeEntry {
  hash: string;
  attempts: number;
  expiresAt: number;
}

/** Expired codes are swept at most this often, so abandoned sign-ins do not accumulate. */
const SWEEP_EVERY_MS = 60_000;

// Every method reads and writes the Map without awaiting in between, so each one is atomic with
// respect to concurrent requests on the event loop — the guarantee Redis's Lua gives in RedisState.
class MemoryOtpCodes implements OtpCodeStore {
  private readonly codes = new Map<string, CodeEntry>();
  private lastSweep = Date.now();

  async put(key: string, hash: string, ttlSeconds: number): Promise<void> {
    this.sweep();
    this.codes.set(key, { hash, attempts: 0, expiresAt: Date.now() + ttlSeconds * 1_000 });
  }

  async takeAttempt(key: string): Promise<{ hash: string; attempt: number } | undefined> {
    const entry = this.live(key);
    if (!entry) return undefined;
    entry.attempts += 1;
    return { hash: entry.hash, attempt: entry.attempts };
  }

  async remove(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.codes.delete(key);
    return existed;
  }

  async inspect(key: string): Promise<StoredCode | undefined> {
    const entry = this.live(key);
    return entry && { hash: entry.hash, attempts: entry.attempts, ttlMs: entry.expiresAt - Date.now() };
  }

  private live(key: string): CodeEntry | undefined {
    const entry = this.codes.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.codes.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, entry] of this.codes) if (entry.expiresAt <= now) this.codes.delete(key);
  }
}

class MemoryLists implements BoundedLists {
  private readonly lists = new Map<string, string[]>();

  async push(key: string, item: string, keep: number): Promise<void> {
    const list = this.lists.get(key) ?? [];
    list.unshift(item);
    list.length = Math.min(list.length, keep);
    this.lists.set(key, list);
  }

  async newest(key: string, count: number): Promise<string[]> {
    return (this.lists.get(key) ?? []).slice(0, count);
  }
}

export class MemoryState implements VolatileState {
  readonly mode = "single-process";
  readonly otpCodes: OtpCodeStore = new MemoryOtpCodes();
  readonly lists: BoundedLists = new MemoryLists();

  rateLimiter(o: LimiterOptions): RateLimiterMemory {
    return new RateLimiterMemory({ keyPrefix: o.keyPrefix, points: o.points, duration: o.durationSeconds });
  }

  async check(): Promise<string> {
    return SINGLE_PROCESS_READINESS;
  }
}
