// ML pod entry point: `npx tsx ml/main.ts --port 50051` (or PORT=50051).
import { Command, InvalidArgumentError, Option } from "commander";
import { createLogger } from "../common/index.js";
import { startTracing, withTraceIds } from "../observability/index.js";
import type { RecommendationsResponse } from "./index.js";

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError("must be an integer 0..65535 (0 = any free port)");
  return port;
}

const program = new Command()
  .name("ml")
  .description(
    "LSP ML pod: gRPC service lsp.ml.v1.MlService (PredictDemand, GetRecommendations, AnalyzePricing, DetectAnomalies) " +
      "plus grpc.health.v1. Stateless apart from a per-tenant forecast cache; the cell sends the data with each request.",
  )
  .addOption(new Option("-p, --port <port>", "port to listen on (0 = any free port)").env("PORT").argParser(parsePort).default(50051))
  .option("--host <host>", "address to bind", "0.0.0.0")
  .addOption(new Option("--http-port <port>", "also serve /metrics, /healthz, /readyz over HTTP on this port (off when unset)").env("ML_HTTP_PORT").argParser(parsePort))
  .addHelpText("after", "\nExample:\n  PORT=50051 ML_HTTP_PORT=9090 npx tsx ml/main.ts\n  grpc health: grpc.health.v1.Health/Check with service \"lsp.ml.v1.MlService\"")
  .parse();

const { port, host, httpPort } = program.opts<{ port: number; host: string; httpPort?: number }>();
// Lines logged while serving a traced call (failures) carry its traceId and spanId.
const log = withTraceIds(createLogger("ml"));
// Tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before the server modules load @grpc/grpc-js.
const tracing = await startTracing("lsp-ml");
const { RecommendationCache, startMlServer } = await import("./index.js");
const { countRecommendationCacheLookups, createMlMetrics, instrumentGrpcServers, MeteredForecastCache } = await import("./metrics.js");
const { startHealthHttp } = await import("./health-http.js");
const metrics = createMlMetrics();
instrumentGrpcServers(metrics);
let serving = false;
const http = httpPort === undefined ? undefined : await startHealthHttp({ port: httpPort, host, registry: metrics.registry, ready: () => serving });
if (http) log.info({ port: http.port }, "Started ML metrics and health HTTP server");
const recommendationCache = new RecommendationCache<RecommendationsResponse>();
countRecommendationCacheLookups(metrics, recommendationCache);
const server = await startMlServer({ port, host, logger: log, cache: new MeteredForecastCache(metrics), recommendationCache });
serving = true;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info({ signal }, "Stopping ML gRPC server");
    serving = false;
    void server
      .close()
      .then(() => http?.close())
      .then(() => tracing?.stop())
      .then(() => process.exit(0));
  });
}
