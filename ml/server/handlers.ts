// The four RPCs as plain functions of a validated request: gRPC plumbing stays in server.ts.
import type { ForecastCache } from "../forecast/cache.js";
import { analyzePricing } from "../pricing/elasticity.js";
import { anomalyRecommendations, detectAnomalies, type Anomaly } from "../recommend/anomalies.js";
import { getRecommendations } from "../recommend/recommend.js";
import type { Recommendation as DomainRecommendation, RecommendationInput } from "../recommend/types.js";
import type { ModelName } from "../forecast/types.js";
import { recommendationFingerprint, type RecommendationCache } from "./recommendation-cache.js";
import { analyzePricingRequest, detectAnomaliesRequest, getRecommendationsRequest, parseRequest, predictDemandRequest, type GetRecommendationsRequest } from "./validate.js";

export type RecommendationsResponse = { recommendations: ReturnType<typeof toWire>[] };

export interface HandlerContext {
  cache: ForecastCache;
  recommendations: RecommendationCache<RecommendationsResponse>;
  /** Throws when the call's deadline has passed or the client went away. */
  checkpoint: (done: number, total: number) => void;
}

export function predictDemand(request: unknown, ctx: HandlerContext) {
  const req = parseRequest(predictDemandRequest, request);
  const closedDates = new Set(req.closedDates);
  const forecasts = req.series.map((s, i) => {
    ctx.checkpoint(i, req.series.length);
    const f = ctx.cache.forecast(req.tenantId, { start: s.start, values: s.values }, {
      horizon: req.horizonDays,
      level: req.intervalLevel || 0.9,
      closedDates,
      holidays: !req.disableHolidays,
      ...(req.models.length > 0 ? { candidates: req.models as ModelName[] } : {}),
    });
    return {
      seriesId: s.seriesId,
      locationId: s.locationId,
      model: f.model,
      combinedWith: f.combinedWith ?? "",
      backtestMase: f.backtestMase,
      intermittent: f.intermittent,
      days: f.days.map((d) => ({ date: d.date, point: d.point, lower: d.lower, upper: d.upper, closed: d.closed, holiday: d.holiday ?? "" })),
    };
  });
  return { forecasts };
}

/** A `cached_only` call for an answer this pod does not hold (never computed here, replaced, or evicted). */
export class NotCached extends Error {
  constructor() {
    super("data_version: no recommendations cached on this pod for this tenant, location, as_of and version; send the data");
    this.name = "NotCached";
  }
}

export function recommendationInput(request: unknown): RecommendationInput {
  return toInput(parseRequest(getRecommendationsRequest, request));
}

function toInput(req: GetRecommendationsRequest): RecommendationInput {
  return {
    tenantId: req.tenantId,
    locationId: req.locationId,
    asOf: req.asOf,
    items: req.items.map((i) => ({ itemId: i.itemId, name: i.name, price: i.price, ...(i.nameVi ? { nameVi: i.nameVi } : {}), ...(i.unitCost > 0 ? { unitCost: i.unitCost } : {}) })),
    daily: req.daily.map((d) => ({ itemId: d.seriesId, start: d.start, quantities: d.values })),
    hourly: req.hourly,
    hourlyWeeks: req.hourlyWeeks,
    baskets: req.baskets.map((b) => b.itemIds),
    closedDates: req.closedDates,
    ...(req.basketCounts && req.basketCounts.orders > 0 ? { basketCounts: req.basketCounts } : {}),
  };
}

/**
 * Answers from the per-location cache when the content (or, for `cached_only`, the version) is
 * the one last computed for this tenant and location; otherwise computes and caches (ADR 0940).
 */
export function recommendations(request: unknown, ctx: HandlerContext): RecommendationsResponse {
  const req = parseRequest(getRecommendationsRequest, request);
  if (req.cachedOnly) {
    const cached = ctx.recommendations.byVersion(req.tenantId, req.locationId, req.asOf, req.dataVersion);
    if (!cached) throw new NotCached();
    return cached;
  }
  const fingerprint = recommendationFingerprint(req);
  const cached = ctx.recommendations.byFingerprint(req.tenantId, req.locationId, fingerprint, req.dataVersion);
  if (cached) return cached;
  const input = toInput(req);
  const recs = getRecommendations(input, { forecaster: (series, options) => ctx.cache.forecast(input.tenantId, series, options), checkpoint: ctx.checkpoint });
  const response = { recommendations: recs.map(toWire) };
  ctx.recommendations.store(req.tenantId, req.locationId, { asOf: req.asOf, fingerprint, dataVersion: req.dataVersion, value: response });
  return response;
}

export function pricing(request: unknown, ctx: HandlerContext) {
  const req = parseRequest(analyzePricingRequest, request);
  const results = req.items.map((item, i) => {
    ctx.checkpoint(i, req.items.length);
    const r = analyzePricing({ itemId: item.itemId, points: item.points, ...(item.unitCost > 0 ? { unitCost: item.unitCost } : {}) });
    return {
      itemId: r.itemId,
      status: r.status,
      elasticity: r.elasticity ?? 0,
      standardError: r.standardError ?? 0,
      observations: r.observations,
      priceLevels: r.priceLevels,
      currentPrice: r.currentPrice ?? 0,
      suggestedPrice: r.suggestedPrice ?? 0,
      advice: r.advice,
    };
  });
  return { results };
}

export function anomalies(request: unknown, ctx: HandlerContext) {
  const req = parseRequest(detectAnomaliesRequest, request);
  const window = req.windowDays || 7;
  const found: Array<Anomaly & { locationId: string }> = [];
  req.series.forEach((s, i) => {
    ctx.checkpoint(i, req.series.length);
    if (s.values.length <= window) return;
    const forecaster = (series: { start: string; values: number[] }, options: Parameters<ForecastCache["forecast"]>[2]) => ctx.cache.forecast(req.tenantId, series, options);
    for (const a of detectAnomalies(s.seriesId, { start: s.start, values: s.values }, forecaster, window)) found.push({ ...a, locationId: s.locationId });
  });
  return {
    anomalies: found.map(({ seriesId, locationId, date, actual, expected, lower, upper, severity }) => ({ seriesId, locationId, date, actual, expected, lower, upper, severity })),
    alerts: anomalyRecommendations(found, new Map(), found.length).map(toWire),
  };
}

function toWire(r: DomainRecommendation) {
  return { id: r.id, kind: r.kind, priority: r.priority, itemIds: r.itemIds, title: r.title, reason: r.reason, metrics: r.metrics, source: r.source };
}
