// Whether the local platform uses Redis, and which single-process fallbacks stand in when it does
// not (ADR 0540). Pure: main.ts and tests pass in what they know about the machine.

/** `LSP_REDIS`: auto (default) uses Redis when there is one, on requires it, off never uses it. */
export type RedisSetting = "auto" | "on" | "off";

export type RedisChoice =
  | { use: "url"; url: string }
  | { use: "server"; binary: string }
  | { use: "none"; reason: string };

export interface RedisFacts {
  setting: RedisSetting;
  /** REDIS_URL, or the platform's redisUrl option. */
  redisUrl?: string;
  /** Path of Debian's redis-server, when installed. */
  redisServer?: string;
}

/** What runs in place of Redis, printed at start and documented in docs/local-platform.md. */
export const SINGLE_PROCESS_FALLBACKS: readonly string[] = [
  "control plane: OTP codes, rate limits and the SMS outbox kept in its own memory (one process; forgotten on restart)",
  "cells: no socket.io Redis adapter (each cell runs one API process, which delivers every sale event itself)",
  "cells: no dashboard cache (dashboards read the incrementally maintained aggregates on every request)",
];

const SETTINGS: readonly RedisSetting[] = ["auto", "on", "off"];

export function parseRedisSetting(value: string | undefined): RedisSetting {
  const setting = (value ?? "").trim().toLowerCase() || "auto";
  if ((SETTINGS as readonly string[]).includes(setting)) return setting as RedisSetting;
  throw new Error(`LSP_REDIS must be one of ${SETTINGS.join(", ")} (got '${value}')`);
}

export function chooseRedis(facts: RedisFacts): RedisChoice {
  if (facts.setting === "off") return { use: "none", reason: "Redis turned off (--no-redis or LSP_REDIS=off)" };
  if (facts.redisUrl) return { use: "url", url: facts.redisUrl };
  if (facts.redisServer) return { use: "server", binary: facts.redisServer };
  if (facts.setting === "on") {
    throw new Error("LSP_REDIS=on, but REDIS_URL is not set and redis-server is not installed: install it (sudo apt-get install redis-server), set REDIS_URL, or drop LSP_REDIS=on to run single-process");
  }
  return { use: "none", reason: "no REDIS_URL and no redis-server on this machine" };
}
