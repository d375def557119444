// Trace context for the cell when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT set, see
// observability/tracing.ts): the router's own span is the parent of everything the cell does, and
// the root of the trace when the client sent no `traceparent`. With tracing off (the default)
// none of this runs: the request path checks one boolean and keeps its cheap request-id trace.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { TRACE_CONTEXT_HEADERS } from "./forward-headers.js";

const tracer = trace.getTracer("lsp-router");

export interface CellTrace {
  /** name, value, ... to send to the cell (traceparent, and tracestate/baggage when set). */
  headers: string[];
  /** The span the router started itself (none when the HTTP instrumentation's span is active); end it with `endSpan`. */
  span: Span | undefined;
}

/**
 * The trace context to send to the cell for a request arriving now. Inside the HTTP
 * instrumentation's server span (the node:http engine) that span is the parent; otherwise (raw
 * engine, upgrades) the router starts its own server span, a child of the client's context when
 * it sent one, else the root of a new trace.
 */
export function cellTrace(method: string, incoming: Record<string, string | string[] | undefined>): CellTrace {
  let ctx = context.active();
  let span: Span | undefined;
  if (trace.getSpan(ctx) === undefined) {
    const parent = propagation.extract(ROOT_CONTEXT, incoming);
    span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { "http.request.method": method } }, parent);
    ctx = trace.setSpan(parent, span);
  }
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const headers: string[] = [];
  for (const name in carrier) headers.push(name, carrier[name]!);
  return { headers, span };
}

/** Drops the client's trace headers from `headers` (name, value, ...) and appends the router's. */
export function withCellTrace(headers: string[], traced: CellTrace): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!TRACE_CONTEXT_HEADERS.has(headers[i]!)) out.push(headers[i]!, headers[i + 1]!);
  for (const value of traced.headers) out.push(value);
  return out;
}

export function endSpan(traced: CellTrace | undefined, status: number): void {
  const span = traced?.span;
  if (span === undefined) return;
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
