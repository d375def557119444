// /metrics in Prometheus text format. The request path only bumps plain numbers on the cell and
// route objects; this module turns them into metrics at scrape time, so metrics cost nothing
// per request beyond an increment. Per-tenant series are capped: the busiest `tenantLabelLimit`
// tenants get their own label, the rest add up under tenant="_other".
import { collectDefaultMetrics, Registry, type Metric } from "prom-client";
import type { RouteSource } from "./sources/route-source.js";
import type { RouterState } from "./state.js";
import { LATENCY_BUCKETS } from "./upstream.js";

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

function metric(name: string, help: string, type: "counter" | "gauge" | "histogram", values: () => Sample[]): Metric {
  return { name, help, type, aggregator: "sum", get: async () => ({ name, help, type, aggregator: "sum", values: values() }) } as unknown as Metric;
}

export function createMetrics(state: RouterState, source: RouteSource, tenantLabelLimit: number): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "lsp_router_" });
  const cells = () => [...state.table.cells()];
  registry.registerMetric(
    metric("lsp_router_cell_requests_total", "Requests (and upgrades) sent to each cell.", "counter", () => cells().map((c) => ({ value: c.requests, labels: { cell: c.origin } }))),
  );
  registry.registerMetric(
    metric("lsp_router_cell_inflight_requests", "Requests waiting on each cell now.", "gauge", () => cells().map((c) => ({ value: c.inflight, labels: { cell: c.origin } }))),
  );
  registry.registerMetric(
    metric("lsp_router_cell_websockets_open", "Upgraded (WebSocket) connections open to each cell.", "gauge", () =>
      cells().map((c) => ({ value: c.upgradesOpen, labels: { cell: c.origin } })),
    ),
  );
  registry.registerMetric(
    metric("lsp_router_cell_errors_total", "Router error answers for requests that had reached a cell, by code.", "counter", () =>
      cells().flatMap((c) => [...c.errors].map(([code, value]) => ({ value, labels: { cell: c.origin, code } }))),
    ),
  );
  registry.registerMetric(metric("lsp_router_request_duration_seconds", "Time from request to the end of the cell's answer, per cell.", "histogram", () => cells().flatMap(histogramSamples)));
  registry.registerMetric(
    metric("lsp_router_answers_total", "Answers the router gave itself, by error code.", "counter", () => [...state.answers].map(([code, value]) => ({ value, labels: { code } }))),
  );
  registry.registerMetric(metric("lsp_router_tenant_requests_total", `Requests per tenant (top ${tenantLabelLimit}; the rest as _other).`, "counter", () => tenantSamples(state, tenantLabelLimit)));
  registry.registerMetric(metric("lsp_router_routes", "Tenants in the route table.", "gauge", () => [{ value: state.table.size, labels: {} }]));
  registry.registerMetric(metric("lsp_router_source_synced", "1 when the route source has delivered a full picture.", "gauge", () => [{ value: source.synced ? 1 : 0, labels: { source: source.name } }]));
  return registry;
}

function histogramSamples(cell: { origin: string; latencyCounts: number[]; latencySum: number }): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
    cumulative += cell.latencyCounts[i]!;
    out.push({ metricName: "lsp_router_request_duration_seconds_bucket", value: cumulative, labels: { cell: cell.origin, le: LATENCY_BUCKETS[i]! } });
  }
  cumulative += cell.latencyCounts[LATENCY_BUCKETS.length]!;
  out.push({ metricName: "lsp_router_request_duration_seconds_bucket", value: cumulative, labels: { cell: cell.origin, le: "+Inf" } });
  out.push({ metricName: "lsp_router_request_duration_seconds_sum", value: cell.latencySum, labels: { cell: cell.origin } });
  out.push({ metricName: "lsp_router_request_duration_seconds_count", value: cumulative, labels: { cell: cell.origin } });
  return out;
}

function tenantSamples(state: RouterState, limit: number): Sample[] {
  const busy = [...state.table.routes()].filter((r) => r.requests > 0).sort((a, b) => b.requests - a.requests);
  const out: Sample[] = busy.slice(0, limit).map((r) => ({ value: r.requests, labels: { tenant: r.slug } }));
  const rest = busy.slice(limit).reduce((sum, r) => sum + r.requests, 0);
  if (busy.length > limit) out.push({ value: rest, labels: { tenant: "_other" } });
  return out;
}
