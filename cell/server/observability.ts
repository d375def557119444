// Metrics (Prometheus, one registry per server so in-process servers do not collide) and
// OpenTelemetry spans for every GraphQL operation.
import { SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import type { DefinitionNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface CellMetrics {
  registry: Registry;
  httpRequests: Counter<"route" | "status">;
  operations: Histogram<"type" | "outcome">;
  cacheLookups: Counter<"result">;
}

export function createMetrics(): CellMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "lsp_cell_" });
  return {
    registry,
    httpRequests: new Counter({ name: "lsp_cell_http_requests_total", help: "HTTP requests by route and status", labelNames: ["route", "status"], registers: [registry] }),
    operations: new Histogram({
      name: "lsp_cell_graphql_operation_seconds",
      help: "GraphQL operation execution time",
      labelNames: ["type", "outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheLookups: new Counter({ name: "lsp_cell_dashboard_cache_lookups_total", help: "Dashboard cache lookups by result", labelNames: ["result"], registers: [registry] }),
  };
}

export const TRACER_NAME = "lsp-cell";

/** One span per GraphQL operation, named like "mutation createOrder", with errors recorded. */
export function operationTelemetry(metrics: CellMetrics, tracer: Tracer = trace.getTracer(TRACER_NAME)): Plugin {
  return {
    onExecute({ args }) {
      const operation = args.document.definitions.find((d: DefinitionNode) => d.kind === "OperationDefinition");
      const type = operation && "operation" in operation ? operation.operation : "query";
      const name = args.operationName ?? (operation && "name" in operation ? operation.name?.value : undefined) ?? "anonymous";
      const span = tracer.startSpan(`${type} ${name}`, { attributes: { "graphql.operation.type": type, "graphql.operation.name": name } });
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          const errors = "errors" in result ? (result.errors ?? []) : [];
          if (errors.length > 0) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]!.message });
            span.setAttribute("graphql.error.codes", errors.map((e) => String(e.extensions?.code ?? "INTERNAL_SERVER_ERROR")).join(","));
          }
          span.end();
          metrics.operations.observe({ type, outcome: errors.length > 0 ? "error" : "ok" }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
