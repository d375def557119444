import { describe, expect, it } from "@jest/globals";
import { syntheticRecommendationInput } from "../recommend/synthetic.js";
import { recommendationFingerprint, RecommendationCache, type CachedAnswer } from "./recommendation-cache.js";
import { getRecommendationsRequest, parseRequest } from "./validate.js";
import { recommendationRequest } from "./wire.js";

const answer = (value: string, over: Partial<CachedAnswer<string>> = {}): CachedAnswer<string> => ({ asOf: "2025-06-30", fingerprint: "f1", dataVersion: "v1", value, ...over });

describe("Given a recommendation cache", () => {
  it("answers by content or by version only within the same tenant and location", () => {
    const cache = new RecommendationCache<string>();
    cache.store("t1", "loc", answer("a"));
    expect(cache.byFingerprint("t1", "loc", "f1", "")).toBe("a");
    expect(cache.byVersion("t1", "loc", "2025-06-30", "v1")).toBe("a");
    expect(cache.byFingerprint("t2", "loc", "f1", "")).toBeUndefined();
    expect(cache.byVersion("t2", "loc", "2025-06-30", "v1")).toBeUndefined();
    expect(cache.byVersion("t1", "other", "2025-06-30", "v1")).toBeUndefined();
  });

  it("keeps ids whose concatenations agree apart", () => {
    const cache = new RecommendationCache<string>();
    cache.store("a", "bc", answer("first"));
    expect(cache.byVersion("ab", "c", "2025-06-30", "v1")).toBeUndefined();
  });

  it("does not answer a version for another day, or a version the cell never named", () => {
    const cache = new RecommendationCache<string>();
    cache.store("t1", "loc", answer("a", { dataVersion: "" }));
    expect(cache.byVersion("t1", "loc", "2025-06-30", "")).toBeUndefined();
    cache.store("t1", "loc", answer("b"));
    expect(cache.byVersion("t1", "loc", "2025-07-01", "v1")).toBeUndefined();
  });

  it("replaces a location's entry when new input arrives, so the old version is no longer answered", () => {
    const cache = new RecommendationCache<string>();
    cache.store("t1", "loc", answer("old"));
    cache.store("t1", "loc", answer("new", { fingerprint: "f2", dataVersion: "v2" }));
    expect(cache.byVersion("t1", "loc", "2025-06-30", "v1")).toBeUndefined();
    expect(cache.byFingerprint("t1", "loc", "f1", "")).toBeUndefined();
    expect(cache.byVersion("t1", "loc", "2025-06-30", "v2")).toBe("new");
  });

  it("relabels an entry when the same content arrives under a new version", () => {
    const cache = new RecommendationCache<string>();
    cache.store("t1", "loc", answer("a"));
    expect(cache.byFingerprint("t1", "loc", "f1", "v2")).toBe("a");
    expect(cache.byVersion("t1", "loc", "2025-06-30", "v2")).toBe("a");
  });

  it("forgets entries after the TTL and evicts the least recently used beyond the bound", () => {
    let now = 0;
    const cache = new RecommendationCache<string>({ maxEntries: 2, ttlMs: 1_000, now: () => now });
    cache.store("t1", "a", answer("a"));
    cache.store("t1", "b", answer("b"));
    expect(cache.byFingerprint("t1", "a", "f1", "")).toBe("a");
    cache.store("t1", "c", answer("c"));
    expect(cache.size).toBe(2);
    expect(cache.byFingerprint("t1", "b", "f1", "")).toBeUndefined();
    expect(cache.byFingerprint("t1", "a", "f1", "")).toBe("a");
    now = 1_000;
    expect(cache.byFingerprint("t1", "a", "f1", "")).toBeUndefined();
  });
});

describe("Given the fingerprint of a recommendations request", () => {
  const request = (change?: (r: ReturnType<typeof recommendationRequest>) => void) => {
    const r = recommendationRequest(syntheticRecommendationInput({ tenantId: "t1" }));
    change?.(r);
    return recommendationFingerprint(parseRequest(getRecommendationsRequest, { cachedOnly: false, ...r }));
  };

  it("is the same for the same content, whatever the tenant or version label", () => {
    expect(request((r) => ((r.tenantId = "other"), (r.dataVersion = "v7")))).toBe(request());
  });

  it("changes with one day's quantity, a price, a closed date, a basket or the day of advice", () => {
    const base = request();
    const changed = [
      request((r) => (r.daily[3]!.values[40] = r.daily[3]!.values[40]! + 1)),
      request((r) => (r.items[0]!.price += 1_000)),
      request((r) => r.closedDates.push("2025-06-01")),
      request((r) => r.baskets[0]!.itemIds.push("che")),
      request((r) => (r.asOf = "2025-06-29")),
    ];
    for (const f of changed) expect(f).not.toBe(base);
    expect(new Set(changed).size).toBe(changed.length);
  });
});
