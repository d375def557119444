// The ML pod as it runs in a cell (ml/main.ts, its own process) with its HTTP side port on:
// gRPC calls move its Prometheus counters by exactly the calls made.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { credentials, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { increase, parsePrometheusText, type Samples } from "../observability/testing/prometheus.js";
import { freePort } from "../scripts/services/processes.js";
import { weeklySeries } from "./forecast/testing.js";
import { syntheticRecommendationInput } from "./recommend/synthetic.js";
import { mlServiceConstructor } from "./server/proto.js";
import { recommendationRequest } from "./server/wire.js";

const ROOT = resolve(import.meta.dirname, "..");
const SERVICE = "lsp.ml.v1.MlService";
const WEEKLY = [0.7, 0.8, 0.9, 1.0, 1.2, 1.6, 1.8];
let child: ChildProcess;
let client: Client;
let httpBase: string;

type Callable = (request: unknown, metadata: Metadata, options: { deadline: number }, callback: (err: ServiceError | null, response: unknown) => void) => void;

function call(method: string, request: unknown): Promise<unknown> {
  const fn = (client as unknown as Record<string, Callable>)[method]!.bind(client);
  return new Promise((done, fail) => fn(request, new Metadata(), { deadline: Date.now() + 30_000 }, (err, res) => (err ? fail(err) : done(res))));
}

async function scrape(): Promise<Samples> {
  const res = await fetch(`${httpBase}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
}

async function ready(timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ml/main.ts exited with ${child.exitCode}`);
    const status = await fetch(`${httpBase}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    await sleep(200);
  }
  throw new Error(`ml/main.ts not ready after ${timeoutMs} ms`);
}

const series = (id: string, seed: number) => ({ seriesId: id, locationId: "loc-1", start: "2025-01-01", values: weeklySeries(56, 40, WEEKLY, 2, seed) });
const predict = { tenantId: "t1", series: [series("pho-bo", 1), series("bun-cha", 2)], horizonDays: 7 };

beforeAll(async () => {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  httpBase = `http://127.0.0.1:${httpPort}`;
  child = spawn(process.execPath, ["--import", "tsx", "ml/main.ts", "--host", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "", LOG_LEVEL: "warn", PORT: String(grpcPort), ML_HTTP_PORT: String(httpPort), OTEL_EXPORTER_OTLP_ENDPOINT: "" },
    stdio: "ignore",
  });
  await ready();
  client = new (mlServiceConstructor())(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  client?.close();
  if (child && child.exitCode === null) await new Promise((done) => (child.once("exit", done), child.kill("SIGTERM")));
});

describe("Given ml/main.ts started with ML_HTTP_PORT", () => {
  it("answers /healthz and /readyz, and 404 with the paths it serves elsewhere", async () => {
    expect((await fetch(`${httpBase}/healthz`)).status).toBe(200);
    expect((await fetch(`${httpBase}/readyz`)).status).toBe(200);
    const other = await fetch(`${httpBase}/graphql`);
    expect({ status: other.status, body: await other.text() }).toEqual({ status: 404, body: expect.stringContaining("/metrics") });
  });

  it("counts each gRPC call once by method and status, with its duration, size and forecast cache use", async () => {
    const before = await scrape();
    await call("PredictDemand", predict); // two series, both fitted
    await call("PredictDemand", predict); // the same two series: cache hits
    await expect(call("PredictDemand", { ...predict, tenantId: "" })).rejects.toMatchObject({ details: "tenant_id: is required" });
    await call("AnalyzePricing", { tenantId: "t1", items: ["a", "b", "c"].map((itemId) => ({ itemId, points: [] })) });
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string> = {}) => increase(before, after, name, labels);
    expect({
      predictOk: moved("lsp_ml_grpc_requests_total", { service: SERVICE, method: "PredictDemand", code: "OK" }),
      predictInvalid: moved("lsp_ml_grpc_requests_total", { service: SERVICE, method: "PredictDemand", code: "INVALID_ARGUMENT" }),
      predictErrors: moved("lsp_ml_grpc_errors_total", { service: SERVICE, method: "PredictDemand", code: "INVALID_ARGUMENT" }),
      predictTimed: moved("lsp_ml_grpc_request_duration_seconds_count", { service: SERVICE, method: "PredictDemand" }),
      pricingOk: moved("lsp_ml_grpc_requests_total", { service: SERVICE, method: "AnalyzePricing", code: "OK" }),
      pricingTimed: moved("lsp_ml_grpc_request_duration_seconds_count", { service: SERVICE, method: "AnalyzePricing" }),
      predictRequestsSized: moved("lsp_ml_series_per_request_count", { method: "PredictDemand" }),
      predictSeries: moved("lsp_ml_series_per_request_sum", { method: "PredictDemand" }),
      pricingItems: moved("lsp_ml_series_per_request_sum", { method: "AnalyzePricing" }),
      cacheMisses: moved("lsp_ml_forecast_cache_lookups_total", { result: "miss" }),
      cacheHits: moved("lsp_ml_forecast_cache_lookups_total", { result: "hit" }),
      fits: moved("lsp_ml_model_fit_seconds_count"),
    }).toEqual({
      predictOk: 2,
      predictInvalid: 1,
      predictErrors: 1,
      predictTimed: 3,
      pricingOk: 1,
      pricingTimed: 1,
      predictRequestsSized: 3,
      predictSeries: 6,
      pricingItems: 3,
      cacheMisses: 2,
      cacheHits: 2,
      fits: 2,
    });
    // Fitting takes time; a hit does not: the fits' total shows up in the duration sum.
    expect(moved("lsp_ml_model_fit_seconds_sum")).toBeGreaterThan(0);
    expect(moved("lsp_ml_grpc_request_duration_seconds_sum", { service: SERVICE, method: "PredictDemand" })).toBeGreaterThanOrEqual(moved("lsp_ml_model_fit_seconds_sum"));
    expect(after.has("lsp_ml_grpc_errors_total{code=\"OK\",method=\"PredictDemand\",service=\"lsp.ml.v1.MlService\"}")).toBe(false);
  }, 60_000);

  it("counts GetRecommendations answers served from its cache and those computed", async () => {
    const request = recommendationRequest(syntheticRecommendationInput({ tenantId: "t-metrics" }));
    const before = await scrape();
    await call("GetRecommendations", request); // computed and cached
    await call("GetRecommendations", request); // the same content: answered from the cache
    const after = await scrape();
    const moved = (result: string) => increase(before, after, "lsp_ml_recommendation_cache_lookups_total", { result });
    expect({ miss: moved("miss"), hit: moved("hit"), calls: increase(before, after, "lsp_ml_grpc_requests_total", { service: SERVICE, method: "GetRecommendations", code: "OK" }) }).toEqual({ miss: 1, hit: 1, calls: 2 });
  }, 60_000);

  it("serves the process metrics under the lsp_ml_ prefix", async () => {
    const samples = await scrape();
    expect(samples.get("lsp_ml_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(samples.has("lsp_ml_process_cpu_seconds_total")).toBe(true);
  });
});
