import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { pino } from "pino";
import { Controller } from "./controller.js";
import { createMetrics } from "./metrics.js";

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
});
afterAll(() => {
  trace.disable();
  context.disable();
});

describe("Given a controller with tracing on", () => {
  it("runs each reconcile inside its own span named after the controller, carrying the object's name", async () => {
    const activeInside = new Map<string, string | undefined>();
    let failedOnce = false;
    const metrics = createMetrics();
    const done = new Promise<void>((resolve) => {
      const controller = new Controller({
        name: "tenant",
        workers: 2,
        log: pino({ level: "silent" }),
        metrics,
        reconcile: async (key) => {
          activeInside.set(key, trace.getActiveSpan()?.spanContext().spanId);
          if (key === "bun-cha" && !failedOnce) {
            failedOnce = true;
            throw new Error("apiserver said no");
          }
          if (activeInside.size === 2 && failedOnce && key === "bun-cha") setImmediate(() => void controller.stop().then(resolve));
        },
      });
      controller.start();
      controller.queue.add("pho-bo");
      controller.queue.add("bun-cha");
    });
    await done;
    const spans = exporter.getFinishedSpans();
    const ofKey = (key: string) => spans.filter((s) => s.attributes["lsp.tenant"] === key);
    expect(ofKey("pho-bo").map((s) => s.name)).toEqual(["reconcile tenant"]);
    // The failed attempt and its retry are two spans; the first is marked failed.
    expect(ofKey("bun-cha").map((s) => s.status.code)).toEqual([2, 0]);
    expect(activeInside.get("pho-bo")).toBe(ofKey("pho-bo")[0]!.spanContext().spanId);
  });
});
