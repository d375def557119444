// Test process: the cell's path to the ML pod (the real cell/ml-client over gRPC) behind an HTTP
// endpoint, traced as lsp-cell. The cell API has no request that calls ML yet (recommendations
// are read from its database), so the trace test reaches ML through this, behind the real router.
// Env: PORT, ML_GRPC_URL, OTEL_EXPORTER_OTLP_ENDPOINT.
import http from "node:http";
import { startTracing } from "../tracing.js";

const tracing = await startTracing("lsp-cell");
// Loaded after tracing starts, so @grpc/grpc-js is instrumented.
const { createMlClient } = await import("../../cell/ml-client/index.js");
const { syntheticRecommendationInput } = await import("../../ml/index.js");

const client = createMlClient({ url: process.env.ML_GRPC_URL!, deadlineMs: 10_000 });
const { tenantId, locationId, ...input } = syntheticRecommendationInput();

const server = http.createServer((req, res) => {
  client.refreshRecommendations(tenantId, locationId, input).then(
    (result) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ source: result.source, degradedReason: result.degradedReason })),
    (error: Error) => res.writeHead(500).end(error.message),
  );
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("ml-caller listening\n"));
process.once("SIGTERM", () => {
  client.close();
  server.close();
  void tracing?.stop().then(() => process.exit(0));
});
