// Trace ids in JSON logs: a log line written while a span is active carries that span's trace and
// span id, so a line found in the logs leads to its trace and back.
import { trace } from "@opentelemetry/api";
import type { Logger } from "pino";

function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? { traceId: context.traceId, spanId: context.spanId } : undefined;
}

/** A child of `logger` whose lines gain `traceId` and `spanId` when written inside a span. */
export function withTraceIds(logger: Logger): Logger {
  return logger.child({}, { formatters: { log: (fields) => ({ ...fields, ...activeTraceIds() }) } });
}
