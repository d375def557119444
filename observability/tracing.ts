// OpenTelemetry for every LSP process: one call at the top of a main, before the modules it
// should trace are loaded (instrumentations patch http and @grpc/grpc-js as they are required,
// so mains load their application modules with a dynamic import after this). Off unless
// OTEL_EXPORTER_OTLP_ENDPOINT is set: tests and laptops export nothing by default.
import { createRequire } from "node:module";

export interface Tracing {
  /** Flushes spans still buffered and stops exporting. */
  stop(): Promise<void>;
}

const NOT_TRACED = new Set(["/healthz", "/readyz", "/metrics", "/livez"]);

/**
 * Starts tracing for `serviceName` (lsp-router, lsp-cell, lsp-ml, lsp-control-plane, lsp-operator)
 * when an OTLP endpoint is configured. The exporter follows the standard OTEL_EXPORTER_OTLP_*
 * variables (endpoint, headers, OTEL_EXPORTER_OTLP_PROTOCOL=http/json). Incoming HTTP requests and
 * gRPC calls continue the caller's W3C trace context. The SDK is loaded only when tracing is on.
 */
export async function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const [{ NodeSDK }, { OTLPTraceExporter }, { HttpInstrumentation }, { GrpcInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-grpc"),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      // Probes and scrapes every few seconds would drown the traces people look for.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => NOT_TRACED.has((req.url ?? "").split("?")[0]!) }),
      new GrpcInstrumentation({ ignoreGrpcMethods: [/^Check$/, /^Watch$/] }),
    ],
  });
  sdk.start();
  // The instrumentations patch modules as they pass through require(); our ESM imports of
  // node:http and (via the CJS loader's cache) @grpc/grpc-js do not, so load them through require
  // now: later imports then get the patched exports.
  const require = createRequire(import.meta.url);
  for (const name of ["node:http", "node:https", "@grpc/grpc-js"]) require(name);
  return { stop: () => sdk.shutdown() };
}
