// The cell's client for the ML pod. Every call carries a deadline; recommendations are cached
// for five minutes; when the pod is down, slow or failing, a circuit breaker sends callers to a
// rule-based answer computed locally from the same input, so the dashboard never fails because
// ML did. Results say where they came from (source "ml" or "rules"). Input named by a data version
// is sent only when the pod does not already hold the answer for that version (ADR 0940).
import { credentials, Metadata, status, type Client, type ServiceError } from "@grpc/grpc-js";
import { context, propagation } from "@opentelemetry/api";
import { createLogger, type Logger } from "../../common/index.js";
import { analyzePricing, cachedRecommendationRequest, forecastSeries, mlServiceConstructor, recommendationRequest, ruleBasedRecommendations, type PriceHistory, type PricingResult, type Recommendation, type RecommendationInput } from "../../ml/index.js";
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

/**
 * A location's input named by a version instead of carried (ADR 0940). `dataVersion` must change
 * whenever anything `load()` would return changes; `load()` runs only when the pod does not hold
 * the answer for that version (or the rule-based fallback needs the data). The input it returns
 * may carry its own `dataVersion` (read with the data); that label is the one sent with the data.
 */
export interface VersionedRecommendationsInput {
  asOf: string;
  dataVersion: string;
  load: () => Promise<RecommendationsInput>;
}

export type RecommendationsSource = RecommendationsInput | VersionedRecommendationsInput;

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
  getRecommendations(tenantId: string, locationId: string, input: RecommendationsSource): Promise<RecommendationsResult>;
  /** Bypasses the cell's cache (the nightly job wants fresh advice; the pod's by-version answer is still used) but still falls back. */
  refreshRecommendations(tenantId: string, locationId: string, input: RecommendationsSource): Promise<RecommendationsResult>;
  predictDemand(tenantId: string, series: DemandSeries[], horizonDays: number): Promise<DemandResult>;
  /** Pure statistics; computed locally when the pod cannot answer. */
  analyzePricing(tenantId: string, items: PriceHistory[]): Promise<{ results: PricingResult[]; source: "ml" | "rules" }>;
  invalidate(tenantId: string, locationId?: string): void;
  breakerState(): BreakerState;
  close(): void;
}

/** Failures that say the pod is unwell. INVALID_ARGUMENT is the cell's own bug, not the pod's. */
const POD_FAILURES = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN, status.RESOURCE_EXHAUSTED, status.CANCELLED]);

const NEEDS_DATA = Symbol("needs data");

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
  // Answers may be as large as the server sends (64 MB; a 10,000-series forecast is over the
  // 4 MB default), and a refused answer would count against the pod in the breaker.
  const grpc: Client = new Ctor(options.url, credentials.createInsecure(), {
    "grpc.initial_reconnect_backoff_ms": 200,
    "grpc.max_reconnect_backoff_ms": 5_000,
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });

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

  /** The pod's answer for a version it holds, or NEEDS_DATA when it does not (FAILED_PRECONDITION is the pod saying so, not failing). */
  function askByVersion(tenantId: string, locationId: string, asOf: string, dataVersion: string): Promise<Recommendation[] | typeof NEEDS_DATA> {
    return invoke<{ recommendations: Recommendation[] }>("GetRecommendations", cachedRecommendationRequest(tenantId, locationId, asOf, dataVersion)).then(
      (res) => res.recommendations,
      (err: ServiceError) => {
        if (err.code === status.FAILED_PRECONDITION) return NEEDS_DATA;
        throw err;
      },
    );
  }

  async function recommendationsFor(tenantId: string, locationId: string, source: RecommendationsSource, useCache: boolean): Promise<RecommendationsResult> {
    const versioned = "load" in source ? source : undefined;
    // The version is part of the key: a new sale never waits out the TTL behind older advice.
    const key = `${tenantId}\u0000${locationId}\u0000${source.asOf}\u0000${versioned?.dataVersion ?? ""}`;
    if (useCache) {
      const hit = cache.get(key);
      if (hit) return { recommendations: hit, source: "ml", cached: true };
    }
    let loaded = versioned ? undefined : (source as RecommendationsInput);
    const full = async (): Promise<RecommendationInput> => {
      loaded ??= await versioned!.load();
      return { ...loaded, dataVersion: loaded.dataVersion ?? versioned?.dataVersion ?? "", tenantId, locationId };
    };
    // Always ask by version first rather than remembering what the pod holds: a miss costs one
    // bare round trip (~0.2 ms of pod CPU) next to a recompute (tens of ms), and the pod's cache
    // outlives this process and is per replica, so only the pod knows what it holds.
    let attempt: { value?: Recommendation[] | typeof NEEDS_DATA; reason?: string } = { value: NEEDS_DATA };
    if (versioned?.dataVersion) attempt = await guarded("GetRecommendations", tenantId, () => askByVersion(tenantId, locationId, versioned.asOf, versioned.dataVersion));
    if (attempt.value === NEEDS_DATA) {
      const request = recommendationRequest(await full());
      attempt = await guarded("GetRecommendations", tenantId, () => invoke<{ recommendations: Recommendation[] }>("GetRecommendations", request).then((res) => res.recommendations));
    }
    if (attempt.value && attempt.value !== NEEDS_DATA) {
      cache.set(key, attempt.value);
      return { recommendations: attempt.value, source: "ml", cached: false };
    }
    return { recommendations: ruleBasedRecommendations(await full()), source: "rules", cached: false, degradedReason: attempt.reason! };
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
