// The Grafana dashboards shipped with the chart: valid, rendered into the ConfigMap, and querying
// only metrics some component really exports (a renamed metric must break this test, not a panel).
import { describe, expect, it } from "@jest/globals";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { find, renderChart } from "../charts/testing/helm.js";
import { isDefaultMetric, isRegisteredMetric } from "./testing/registered-metrics.js";

const ROOT = resolve(import.meta.dirname, "..");
const DASHBOARDS = join(ROOT, "charts", "lsp", "dashboards");

interface Dashboard {
  uid: string;
  title: string;
  panels: { title: string; targets: { expr: string }[] }[];
}

const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith(".json"));
const dashboards = files.map((f) => JSON.parse(readFileSync(join(DASHBOARDS, f), "utf8")) as Dashboard);

function metricNames(expr: string): string[] {
  const names = new Set<string>();
  // A series is a name followed by a selector or range, or the bare argument of an aggregation;
  // names inside "by (...)" are labels.
  for (const [, name] of expr.matchAll(/([a-z_][a-z0-9_]*)[{[]/g)) names.add(name!);
  for (const [, name] of expr.matchAll(/(?:sum|min|max|avg)\(([a-z_][a-z0-9_]*)\)/g)) names.add(name!);
  return [...names].map((n) => n.replace(/_(bucket|count|sum)$/, ""));
}

describe("Given the dashboards in charts/lsp/dashboards", () => {
  it("has a cell and a platform dashboard with unique uids and panels that all query something", () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual(["lsp-cell", "lsp-platform"]);
    for (const d of dashboards) for (const p of d.panels) expect({ panel: p.title, targets: p.targets.length > 0 }).toEqual({ panel: p.title, targets: true });
  });

  it("queries only metrics that a component registers", () => {
    const unknown = dashboards.flatMap((d) => d.panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr))))
      .filter((name) => !isRegisteredMetric(name));
    expect(unknown).toEqual([]);
  });

  it("shows the ML pod's latency and errors per gRPC method on the cell dashboard", () => {
    const cell = dashboards.find((d) => d.uid === "lsp-cell")!;
    const queries = cell.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(queries.some((q) => q.includes("lsp_ml_grpc_request_duration_seconds_bucket") && /by \(le, method\)/.test(q))).toBe(true);
    expect(queries.some((q) => q.includes("lsp_ml_grpc_errors_total") && /by \(method, code\)/.test(q))).toBe(true);
  });

  it("knows a process metric only under the prefix its component registers", () => {
    expect([isDefaultMetric("lsp_cell_process_cpu_seconds_total"), isDefaultMetric("lsp_ml_process_resident_memory_bytes"), isDefaultMetric("process_cpu_seconds_total")]).toEqual([true, true, true]);
    expect([isDefaultMetric("lsp_nope_process_cpu_seconds_total"), isDefaultMetric("lsp_cell_requests")]).toEqual([false, false]);
  });
});

describe("Given the chart with metrics.grafanaDashboards.enabled", () => {
  it("renders every dashboard into one ConfigMap labelled for the Grafana sidecar", () => {
    const cm = find(renderChart({ metrics: { grafanaDashboards: { enabled: true } } }), "ConfigMap", "lsp-grafana-dashboards") as unknown as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    expect(cm.metadata.labels.grafana_dashboard).toBe("1");
    expect(Object.keys(cm.data).sort()).toEqual(files.sort());
    for (const f of files) expect((JSON.parse(cm.data[f]!) as Dashboard).uid).toBe(JSON.parse(readFileSync(join(DASHBOARDS, f), "utf8")).uid);
  });

  it("renders no dashboards by default", () => {
    expect(renderChart().some((m) => m.kind === "ConfigMap" && m.metadata.name === "lsp-grafana-dashboards")).toBe(false);
  });
});
