// Prometheus metrics of the ML pod: RED per gRPC method, the forecast and recommendation caches,
// model fits and request sizes, plus prom-client's process metrics. One registry per process
// (ml/main.ts).
import { Server, status, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { ForecastCache, type ForecastCacheOptions } from "./forecast/cache.js";
import type { ForecastOptions, SeriesForecast } from "./forecast/predict.js";
import type { DailySeries } from "./forecast/series.js";

export interface MlMetrics {
  registry: Registry;
  requests: Counter<"service" | "method" | "code">;
  errors: Counter<"service" | "method" | "code">;
  duration: Histogram<"service" | "method">;
  seriesPerRequest: Histogram<"method">;
  cacheLookups: Counter<"result">;
  modelFit: Histogram;
}

export function createMlMetrics(): MlMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "lsp_ml_" });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: "lsp_ml_grpc_requests_total", help: "Unary gRPC calls handled, by method and status code", labelNames: ["service", "method", "code"], registers }),
    errors: new Counter({ name: "lsp_ml_grpc_errors_total", help: "Unary gRPC calls answered with a status other than OK", labelNames: ["service", "method", "code"], registers }),
    duration: new Histogram({
      name: "lsp_ml_grpc_request_duration_seconds",
      help: "Time from receiving a unary gRPC call to sending its answer (PredictDemand: the forecast latency)",
      labelNames: ["service", "method"],
      // Cache hits answer in milliseconds; cold fits of many series take seconds.
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    seriesPerRequest: new Histogram({
      name: "lsp_ml_series_per_request",
      help: "Series (PredictDemand, DetectAnomalies), item series (GetRecommendations) or items (AnalyzePricing) per request",
      labelNames: ["method"],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    cacheLookups: new Counter({ name: "lsp_ml_forecast_cache_lookups_total", help: "Forecast cache lookups by result (a miss fits a model)", labelNames: ["result"], registers }),
    modelFit: new Histogram({
      name: "lsp_ml_model_fit_seconds",
      help: "Time to fit and forecast one series on a cache miss (model selection included)",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}

/** The ForecastCache the server uses, counting hits and timing the fits its misses cause. */
export class MeteredForecastCache extends ForecastCache {
  constructor(
    private readonly metrics: MlMetrics,
    options?: ForecastCacheOptions,
  ) {
    super(options);
  }

  override forecast(tenantId: string, series: DailySeries, options: ForecastOptions): SeriesForecast {
    const missesBefore = this.misses;
    const started = performance.now();
    try {
      return super.forecast(tenantId, series, options);
    } finally {
      const missed = this.misses > missesBefore;
      this.metrics.cacheLookups.inc({ result: missed ? "miss" : "hit" });
      if (missed) this.metrics.modelFit.observe((performance.now() - started) / 1000);
    }
  }
}

/**
 * `lsp_ml_recommendation_cache_lookups_total{result}`: read from the cache's own hit and miss
 * counts at scrape time (the GetRecommendations answers cache, ADR 0940).
 */
export function countRecommendationCacheLookups(metrics: MlMetrics, cache: { readonly hits: number; readonly misses: number }): void {
  new Counter({
    name: "lsp_ml_recommendation_cache_lookups_total",
    help: "GetRecommendations answer cache lookups by result (a miss computes the advice)",
    labelNames: ["result"],
    registers: [metrics.registry],
    collect() {
      this.reset();
      this.inc({ result: "hit" }, cache.hits);
      this.inc({ result: "miss" }, cache.misses);
    },
  });
}

/** What each request is "sized" by: the repeated field holding its series or items. */
const SIZE_FIELD: Record<string, string> = { PredictDemand: "series", DetectAnomalies: "series", GetRecommendations: "daily", AnalyzePricing: "items" };

type UnaryHandler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

/**
 * Counts and times every unary call of every grpc-js Server created in this process. The server
 * (ml/server/server.ts) builds its own Server and takes no interceptors, so this wraps handlers
 * where they are registered, as OpenTelemetry's gRPC instrumentation does. Returns the undo.
 */
export function instrumentGrpcServers(metrics: MlMetrics): () => void {
  const register = Server.prototype.register;
  Server.prototype.register = function (this: Server, name: string, handler: unknown, serialize: unknown, deserialize: unknown, type: string) {
    const wrapped = type === "unary" ? meteredUnary(metrics, name, handler as UnaryHandler) : handler;
    return (register as (...args: unknown[]) => boolean).call(this, name, wrapped, serialize, deserialize, type);
  } as typeof register;
  return () => {
    Server.prototype.register = register;
  };
}

function meteredUnary(metrics: MlMetrics, path: string, handler: UnaryHandler): UnaryHandler {
  // path is "/lsp.ml.v1.MlService/PredictDemand".
  const [, service = "", method = path] = path.split("/");
  const labels = { service, method };
  const sizeField = SIZE_FIELD[method];
  return (call, callback) => {
    const started = performance.now();
    if (sizeField) {
      const items = (call.request as Record<string, unknown> | null)?.[sizeField];
      if (Array.isArray(items)) metrics.seriesPerRequest.observe({ method }, items.length);
    }
    let answered = false;
    const done: sendUnaryData<unknown> = (error, value, trailer, flags) => {
      if (!answered) {
        answered = true;
        const code = error ? (error.code ?? status.UNKNOWN) : status.OK;
        metrics.requests.inc({ ...labels, code: status[code] ?? String(code) });
        if (code !== status.OK) metrics.errors.inc({ ...labels, code: status[code] ?? String(code) });
        metrics.duration.observe(labels, (performance.now() - started) / 1000);
      }
      callback(error, value, trailer, flags);
    };
    handler(call, done);
  };
}
