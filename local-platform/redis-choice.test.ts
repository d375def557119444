import { describe, expect, it } from "@jest/globals";
import { chooseRedis, parseRedisSetting } from "./redis-choice.js";

describe("Given the LSP_REDIS setting", () => {
  it("defaults to auto and accepts on/off in any case", () => {
    expect(parseRedisSetting(undefined)).toBe("auto");
    expect(parseRedisSetting("")).toBe("auto");
    expect(parseRedisSetting(" OFF ")).toBe("off");
    expect(parseRedisSetting("on")).toBe("on");
  });

  it("refuses anything else, naming the choices", () => {
    expect(() => parseRedisSetting("false")).toThrow("LSP_REDIS must be one of auto, on, off (got 'false')");
  });
});

describe("Given what this machine has", () => {
  it("uses REDIS_URL first, then Debian's redis-server", () => {
    expect(chooseRedis({ setting: "auto", redisUrl: "redis://r:6379", redisServer: "/usr/bin/redis-server" })).toEqual({ use: "url", url: "redis://r:6379" });
    expect(chooseRedis({ setting: "auto", redisServer: "/usr/bin/redis-server" })).toEqual({ use: "server", binary: "/usr/bin/redis-server" });
  });

  it("falls back to single-process when there is no Redis at all, saying why", () => {
    expect(chooseRedis({ setting: "auto" })).toEqual({ use: "none", reason: "no REDIS_URL and no redis-server on this machine" });
  });

  it("runs single-process when turned off, even with Redis available", () => {
    expect(chooseRedis({ setting: "off", redisUrl: "redis://r:6379", redisServer: "/usr/bin/redis-server" })).toMatchObject({ use: "none", reason: expect.stringContaining("turned off") });
  });

  it("fails with what to do when Redis is required but missing", () => {
    expect(() => chooseRedis({ setting: "on" })).toThrow(/install it \(sudo apt-get install redis-server\), set REDIS_URL/);
    expect(chooseRedis({ setting: "on", redisServer: "/usr/bin/redis-server" })).toEqual({ use: "server", binary: "/usr/bin/redis-server" });
  });
});
