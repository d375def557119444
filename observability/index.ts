// Shared observability helpers: OpenTelemetry tracing setup for every LSP process, trace ids in
// logs, and the operator's reconcile spans.
export { startTracing, type Tracing } from "./tracing.js";
export { withTraceIds } from "./logs.js";
export { traceReconcile, OPERATOR_TRACER } from "./reconcile-span.js";
