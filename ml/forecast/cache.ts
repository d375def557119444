// Per-tenant forecast memo. The nightly refresh and the dashboard ask for the same series again
// and again; a fit is only redone when the series itself changes. Keyed by tenant first, so one
// tenant's entries can never answer another's request, and each tenant has its own size bound.
import { Fingerprint } from "./fingerprint.js";
import { forecastSeries, type ForecastOptions, type SeriesForecast } from "./predict.js";
import type { DailySeries } from "./series.js";

export interface ForecastCacheOptions {
  maxEntriesPerTenant?: number;
  maxTenants?: number;
  ttlMs?: number;
}

interface Entry {
  at: number;
  value: SeriesForecast;
}

export class ForecastCache {
  private readonly tenants = new Map<string, Map<string, Entry>>();
  private readonly maxEntries: number;
  private readonly maxTenants: number;
  private readonly ttlMs: number;
  hits = 0;
  misses = 0;

  constructor(options: ForecastCacheOptions = {}) {
    this.maxEntries = options.maxEntriesPerTenant ?? 5_000;
    this.maxTenants = options.maxTenants ?? 1_000;
    this.ttlMs = options.ttlMs ?? 6 * 3_600_000;
  }

  forecast(tenantId: string, series: DailySeries, options: ForecastOptions): SeriesForecast {
    const key = cacheKey(series, options);
    let entries = this.tenants.get(tenantId);
    const now = Date.now();
    const hit = entries?.get(key);
    if (hit && now - hit.at < this.ttlMs) {
      this.hits++;
      // Re-insert to keep Map order as recency order (oldest first) for eviction.
      entries!.delete(key);
      entries!.set(key, hit);
      return hit.value;
    }
    this.misses++;
    const value = forecastSeries(series, options);
    if (!entries) {
      if (this.tenants.size >= this.maxTenants) this.tenants.delete(this.tenants.keys().next().value!);
      entries = new Map();
      this.tenants.set(tenantId, entries);
    }
    entries.set(key, { at: now, value });
    if (entries.size > this.maxEntries) entries.delete(entries.keys().next().value!);
    return value;
  }

  entriesFor(tenantId: string): number {
    return this.tenants.get(tenantId)?.size ?? 0;
  }
}

/** The series' values (every bit) plus everything in the options that changes the answer. */
export function cacheKey(series: DailySeries, options: ForecastOptions): string {
  const values = new Fingerprint().numbers(series.values).digest();
  const closed = options.closedDates ? [...options.closedDates].sort().join(",") : "";
  return [series.start, values, options.horizon, options.level ?? "", options.holidays ?? "", options.model ?? "", options.candidates?.join("+") ?? "", options.origins ?? "", options.combine ?? "", closed].join("|");
}
