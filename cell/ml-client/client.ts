// The cell's client for the ML pod. Every call carries a deadline; recommendations are cached
// for five minutes; when the pod is down, slow or failing, a circuit breaker sends callers to a
// rule-based answer computed locally from the same input, so the dashboard never fails because
// ML did. Results say where they came from (source "ml" or "rules").
import { credentials, Metadata, status, type Client, type ServiceError } from "@grpc/grpc-js";
import { context, propagation } from "@opentelemetry/api";
import { createLogger, type Logger } from "../../common/index.js";
import { analyzePricing, forecastSeries, mlServiceConstructor, recommendationRequest, ruleBasedRecommendations, type PriceHistory, type PricingResult, type Recommendation, type RecommendationInput } from "../../ml/index.js";
import { CircuitBreaker, type BreakerOptions, type BreakerState } from "./breaker.js";
import { TtlCache } from "./cache.js";

export interface MlClientOptions {
  /** host:port of the cell's ML pod, e.g. "ml:50051". */
  url: string;
  deadlineMs?: number;
  cacheTtlMs?: number;
  breaker?: BreakerOptions;
  logger?: Logger;
  now?: () => number;
}

export type RecommendationsInput = Omit<RecommendationInput, "tenantId" | "locationId">;

export interface RecommendationsResult {
  recommendations: Recommendation[];
  source: "ml" | "rules";
  cached: boolean;
  /** Why the rule-based path answered (breaker open, deadline, unavailable...). */
  degradedReason?: string;
}

export interface DemandSeries {
  seriesId: string;
  locationId: string;
  start: string;
  values: number[];
}

export interface DemandForecast {
  seriesId: string;
  locationId: string;
  model: string;
  days: Array<{ date: string; point: number; lower: number; upper: number; closed: boolean; holiday: string }>;
}

export interface DemandResult {
  forecasts: DemandForecast[];
  source: "ml" | "rules";
  degradedReason?: string;
}

export interface MlClient {
  getRecommendations(tenantId: string, locationId: string, input: RecommendationsInput): Promise<RecommendationsResult>;
  /** Bypasses the cache (the nightly job wants fresh advice) but still falls back. */
  refreshRecommendations(tenantId: string, locationId: string, input: RecommendationsInput): Promise<RecommendationsResult>;
  predictDemand(tenantId: string, series: DemandSeries[], horizonDays: number): Promise<DemandResult>;
  /** Pure statistics; computed locally when the pod cannot answer. */
  analyzePricing(tenantId: string, items: PriceHistory[]): Promise<{ results: PricingResult[]; source: "ml" | "rules" }>;
  invalidate(tenantId: string, locationId?: string): void;
  breakerState(): BreakerState;
  close(): void;
}

/** Failures that say the pod is unwell. INVALID_ARGUMENT is the cell's own bug, not the pod's. */
const POD_FAILURES = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN, status.RESOURCE_EXHAUSTED, status.CANCELLED]);

type Unary = (request: unknown, metadata: Metadata, options: { deadline: number }, callback: (err: ServiceError | null, response: unknown) => void) => void;

export function createMlClient(options: MlClientOptions): MlClient {
  if (!options.url) throw new RangeError("url is required (host:port of the ML pod)");
  const deadlineMs = options.deadlineMs ?? 2_000;
  if (!(deadlineMs > 0)) throw new RangeError(`deadlineMs must be > 0, got ${deadlineMs}`);
  const log = options.logger ?? createLogger("ml-client");
  const now = options.now ?? Date.now;
  const breaker = new CircuitBreaker({ ...(options.now ? { now: options.now } : {}), ...options.breaker });
  const cache = new TtlCache<Recommendation[]>(options.cacheTtlMs ?? 300_000, 10_000, now);
  const Ctor = mlServiceConstructor();
  // Reconnect at least every few seconds, so a pod that comes back is reachable by the time the
  // breaker lets its probe through (grpc's default backoff grows to two minutes).
  const grpc: Client = new Ctor(options.url, credentials.createInsecure(), { "grpc.initial_reconnect_backoff_ms": 200, "grpc.max_reconnect_backoff_ms": 5_000 });

  // waitForReady: a call waits (within its deadline) for a connection instead of failing fast
  // while the channel is between reconnect attempts.
  function invoke<T>(method: string, request: unknown): Promise<T> {
    const fn = (grpc as unknown as Record<string, Unary>)[method]!.bind(grpc);
    const metadata = new Metadata({ waitForReady: true });
    // The caller's trace continues in the ML pod (traceparent in the metadata; a no-op without tracing).
    propagation.inject(context.active(), metadata, { set: (m, key, value) => m.set(key, value) });
    return new Promise((resolve, reject) => fn(request, metadata, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res as T))));
  }

  /** Runs `remote` through the breaker; on refusal or failure returns undefined and the reason. */
  async function guarded<T>(method: string, tenantId: string, remote: () => Promise<T>): Promise<{ value?: T; reason?: string }> {
    if (!breaker.allow()) return { reason: "circuit open" };
    try {
      const value = await remote();
      breaker.success();
      return { value };
    } catch (err) {
      const e = err as ServiceError;
      if (POD_FAILURES.has(e.code)) breaker.failure();
      else breaker.success();
      log.warn({ method, tenantId, code: e.code, details: e.details ?? e.message }, "Fell back to rules after ML call failed");
      return { reason: `${status[e.code] ?? "ERROR"}: ${e.details ?? e.message}` };
    }
  }

  async function recommendationsFor(tenantId: string, locationId: string, input: RecommendationsInput, useCache: boolean): Promise<RecommendationsResult> {
    const key = `${tenantId}\u0000${locationId}\u0000${input.asOf}`;
    if (useCache) {
      const hit = cache.get(key);
      if (hit) return { recommendations: hit, source: "ml", cached: true };
    }
    const full: RecommendationInput = { ...input, tenantId, locationId };
    const { value, reason } = await guarded("GetRecommendations", tenantId, () => invoke<{ recommendations: Recommendation[] }>("GetRecommendations", recommendationRequest(full)));
    if (value) {
      cache.set(key, value.recommendations);
      return { recommendations: value.recommendations, source: "ml", cached: false };
    }
    return { recommendations: ruleBasedRecommendations(full), source: "rules", cached: false, degradedReason: reason! };
  }

  return {
    getRecommendations: (tenantId, locationId, input) => recommendationsFor(tenantId, locationId, input, true),
    refreshRecommendations: (tenantId, locationId, input) => recommendationsFor(tenantId, locationId, input, false),

    async predictDemand(tenantId, series, horizonDays) {
      const { value, reason } = await guarded("PredictDemand", tenantId, () => invoke<{ forecasts: DemandForecast[] }>("PredictDemand", { tenantId, series, horizonDays }));
      if (value) return { forecasts: value.forecasts, source: "ml" };
      // The floor model needs no fitting: cheap enough to run in the cell for every series.
      const forecasts = series.map((s) => {
        const f = forecastSeries({ start: s.start, values: s.values }, { horizon: horizonDays, model: "seasonal_naive" });
        return { seriesId: s.seriesId, locationId: s.locationId, model: f.model, days: f.days.map((d) => ({ ...d, holiday: d.holiday ?? "" })) };
      });
      return { forecasts, source: "rules", degradedReason: reason! };
    },

    async analyzePricing(tenantId, items) {
      const { value } = await guarded("AnalyzePricing", tenantId, () => invoke<{ results: PricingResult[] }>("AnalyzePricing", { tenantId, items: items.map((i) => ({ itemId: i.itemId, unitCost: i.unitCost ?? 0, points: i.points })) }));
      if (value) return { results: value.results, source: "ml" };
      return { results: items.map(analyzePricing), source: "rules" };
    },

    invalidate(tenantId, locationId) {
      const prefix = locationId === undefined ? `${tenantId}\u0000` : `${tenantId}\u0000${locationId}\u0000`;
      cache.deleteWhere((k) => k.startsWith(prefix));
    },
    breakerState: () => breaker.state,
    close: () => grpc.close(),
  };
}
