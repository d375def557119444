// One span per operator reconcile, so a slow or failing reconcile shows up in the same traces as
// the requests it serves. Without a tracer provider (tracing off) the span is OpenTelemetry's
// no-op: nothing is recorded and the cost is a function call.
import { SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";

export const OPERATOR_TRACER = "lsp-operator";

/**
 * Runs `reconcile` inside a span "reconcile <controller>" carrying the controller and the object's
 * name as `lsp.<controller>` (lsp.tenant, lsp.cell). A thrown error marks the span failed and is
 * rethrown unchanged: requeueing stays the controller's business.
 */
export function traceReconcile<T>(controller: string, name: string, reconcile: () => Promise<T>, tracer: Tracer = trace.getTracer(OPERATOR_TRACER)): Promise<T> {
  const attributes = { "lsp.controller": controller, [`lsp.${controller}`]: name };
  return tracer.startActiveSpan(`reconcile ${controller}`, { attributes }, async (span) => {
    try {
      return await reconcile();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
