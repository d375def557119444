import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { pino, type Logger } from "pino";
import { Writable } from "node:stream";
import { withTraceIds } from "./logs.js";
import { traceReconcile } from "./reconcile-span.js";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer("test");

beforeAll(() => void context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
afterAll(() => context.disable());
beforeEach(() => exporter.reset());

function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  return { log: pino({ base: { component: "test" } }, sink), lines };
}

describe("Given a reconcile wrapped in traceReconcile", () => {
  it("records one span named after the controller, with the object's name, around the reconcile", async () => {
    let activeInside: string | undefined;
    const result = await traceReconcile("tenant", "pho-bo-hanoi", async () => {
      activeInside = trace.getActiveSpan()?.spanContext().spanId;
      return { requeueAfterMs: 5 };
    }, tracer);
    expect(result).toEqual({ requeueAfterMs: 5 });
    const [span, ...others] = exporter.getFinishedSpans();
    expect(others).toEqual([]);
    expect({ name: span!.name, attributes: span!.attributes, status: span!.status.code }).toEqual({
      name: "reconcile tenant",
      attributes: { "lsp.controller": "tenant", "lsp.tenant": "pho-bo-hanoi" },
      status: SpanStatusCode.UNSET,
    });
    expect(activeInside).toBe(span!.spanContext().spanId);
  });

  it("marks the span failed and rethrows the reconcile's own error", async () => {
    const conflict = Object.assign(new Error("Operation cannot be fulfilled: the object has been modified"), { code: 409 });
    await expect(traceReconcile("cell", "shared-1", () => Promise.reject(conflict), tracer)).rejects.toBe(conflict);
    const [span] = exporter.getFinishedSpans();
    expect({ attributes: span!.attributes, status: span!.status, events: span!.events.map((e) => e.name) }).toEqual({
      attributes: { "lsp.controller": "cell", "lsp.cell": "shared-1" },
      status: { code: SpanStatusCode.ERROR, message: conflict.message },
      events: ["exception"],
    });
  });
});

describe("Given a logger made by withTraceIds", () => {
  it("adds the active span's trace and span id to lines written inside it, and nothing outside", async () => {
    const { log, lines } = capturingLogger();
    const traced = withTraceIds(log);
    traced.info("outside");
    await traceReconcile("tenant", "bun-cha", async () => traced.info({ tenant: "bun-cha" }, "Created Cell"), tracer);
    const span = exporter.getFinishedSpans()[0]!.spanContext();
    expect(lines.map(({ msg, component, tenant, traceId, spanId }) => ({ msg, component, tenant, traceId, spanId }))).toEqual([
      { msg: "outside", component: "test", tenant: undefined, traceId: undefined, spanId: undefined },
      { msg: "Created Cell", component: "test", tenant: "bun-cha", traceId: span.traceId, spanId: span.spanId },
    ]);
  });
});
