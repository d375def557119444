// The answer to GetRecommendations, kept per (tenant, location) for the latest input the cell
// sent (ADR 0940). A repeat call with the same content, or a `cached_only` call naming the same
// `data_version`, is answered without decoding 150 KB of series or recomputing anything; new
// input for a location replaces its entry, which is the invalidation. Keys start with the
// tenant id, so one tenant's entry never answers another tenant's call.
import { Fingerprint } from "../forecast/fingerprint.js";
import type { GetRecommendationsRequest } from "./validate.js";

export interface CachedAnswer<T> {
  asOf: string;
  /** Digest of everything in the request that shapes the answer (see `recommendationFingerprint`). */
  fingerprint: string;
  /** The cell's label for this input; "" when the caller sent none. */
  dataVersion: string;
  value: T;
}

interface Entry<T> extends CachedAnswer<T> {
  at: number;
}

export interface RecommendationCacheOptions {
  /** Locations kept across all tenants; the least recently used goes first. */
  maxEntries?: number;
  ttlMs?: number;
  now?: () => number;
}

export class RecommendationCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  hits = 0;
  misses = 0;

  constructor(options: RecommendationCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.ttlMs = options.ttlMs ?? 6 * 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** The entry computed from exactly this content; relabels it when the caller names a new version. */
  byFingerprint(tenantId: string, locationId: string, fingerprint: string, dataVersion: string): T | undefined {
    const entry = this.fresh(tenantId, locationId);
    if (entry?.fingerprint !== fingerprint) return this.miss();
    if (dataVersion) entry.dataVersion = dataVersion;
    return this.hit(entry);
  }

  /** The entry the cell labelled `dataVersion` for this day, if this pod still holds it. */
  byVersion(tenantId: string, locationId: string, asOf: string, dataVersion: string): T | undefined {
    const entry = this.fresh(tenantId, locationId);
    if (!entry || entry.dataVersion === "" || entry.dataVersion !== dataVersion || entry.asOf !== asOf) return this.miss();
    return this.hit(entry);
  }

  store(tenantId: string, locationId: string, answer: CachedAnswer<T>): void {
    const key = keyOf(tenantId, locationId);
    this.entries.delete(key);
    this.entries.set(key, { ...answer, at: this.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }

  private fresh(tenantId: string, locationId: string): Entry<T> | undefined {
    const key = keyOf(tenantId, locationId);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert so Map order is recency order (oldest first) for eviction.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  private hit(entry: Entry<T>): T {
    this.hits++;
    return entry.value;
  }

  private miss(): undefined {
    this.misses++;
    return undefined;
  }
}

/** Length-prefixed, so no choice of ids can make (a, bc) and (ab, c) collide. */
function keyOf(tenantId: string, locationId: string): string {
  return `${tenantId.length}:${tenantId}${locationId}`;
}

/** Everything but the tenant (the cache key) and the version labels: same digest, same answer. */
export function recommendationFingerprint(req: GetRecommendationsRequest): string {
  const f = new Fingerprint().string(req.locationId).string(req.asOf);
  f.word(req.items.length);
  for (const i of req.items) f.string(i.itemId).string(i.name).string(i.nameVi).number(i.price).number(i.unitCost);
  f.word(req.daily.length);
  for (const d of req.daily) f.string(d.seriesId).string(d.locationId).string(d.start).numbers(d.values);
  f.word(req.hourly.length);
  for (const h of req.hourly) f.word(h.weekday).word(h.hour).number(h.orders).number(h.revenue);
  f.word(req.hourlyWeeks);
  f.word(req.baskets.length);
  for (const b of req.baskets) f.strings(b.itemIds);
  f.strings(req.closedDates);
  const counts = req.basketCounts;
  if (!counts) return f.word(0).digest();
  f.word(1).word(counts.orders).word(counts.items.length);
  for (const i of counts.items) f.string(i.itemId).word(i.orders);
  f.word(counts.pairs.length);
  for (const p of counts.pairs) f.string(p.a).string(p.b).word(p.orders);
  return f.digest();
}
