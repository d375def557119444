// Shared observability helpers: OpenTelemetry tracing setup for every LSP process.
export { startTracing, type Tracing } from "./tracing.js";
