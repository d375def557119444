// The chart's alerts (templates/prometheusrule.yaml) checked the way Prometheus would load them:
// each expression parsed with Prometheus's own PromQL grammar (@prometheus-io/lezer-promql), each
// platform metric it names registered somewhere in the code, and each label an annotation prints
// still present after the expression's aggregation.
import { describe, expect, it } from "@jest/globals";
import { parser } from "@prometheus-io/lezer-promql";
import { isRegisteredMetric } from "../observability/testing/registered-metrics.js";
import { find, renderChart } from "./testing/helm.js";

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: Record<string, string>;
}

const rules = (values: Record<string, unknown> = {}): Rule[] => {
  const rule = find(renderChart({ metrics: { prometheusRule: { enabled: true, labels: { release: "prometheus" } } }, ...values }), "PrometheusRule", "lsp-alerts") as unknown as {
    spec: { groups: { rules: Rule[] }[] };
  };
  return rule.spec.groups.flatMap((g) => g.rules);
};

/** The PromQL syntax errors in `expr`, as the positions the grammar could not parse. */
function syntaxErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
  return errors;
}

describe("Given the chart's alerts", () => {
  const all = rules();

  it("parses every expression with Prometheus's PromQL grammar", () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const r of all) expect([r.alert, syntaxErrors(r.expr)]).toEqual([r.alert, []]);
    // The check itself: a broken expression is caught.
    expect(syntaxErrors("sum by (cell (rate(lsp_router_cell_errors_total[5m]))")).not.toEqual([]);
  });

  it("names only metrics the code registers (or kube-state-metrics and Prometheus export)", () => {
    const named = new Set(all.flatMap((r) => r.expr.match(/\b(lsp_[a-z_]+|controller_runtime_[a-z_]+|leader_election_[a-z_]+)\b/g) ?? []));
    expect(named.size).toBeGreaterThanOrEqual(6);
    for (const metric of named) expect([metric, isRegisteredMetric(metric)]).toEqual([metric, true]);
    const external = new Set(all.flatMap((r) => r.expr.match(/\b(kube_[a-z_]+|up)\b(?=\{)/g) ?? []));
    expect([...external].sort()).toEqual(["kube_cronjob_status_last_successful_time", "kube_job_status_failed", "up"]);
  });

  it("prints in its annotations only labels the expression keeps", () => {
    for (const r of all) {
      const kept = [...r.expr.matchAll(/\bby \(([^)]*)\)/g)].map((m) => m[1]!.split(",").map((l) => l.trim()));
      const printed = Object.values(r.annotations).flatMap((text) => [...text.matchAll(/\$labels\.([a-z_]+)/g)].map((m) => m[1]!));
      // An aggregation keeps only its `by` labels (the outermost one decides; every one here agrees).
      if (kept.length > 0) for (const label of printed) expect([r.alert, label, kept.every((by) => by.includes(label))]).toEqual([r.alert, label, true]);
      expect(["warning", "critical"]).toContain(r.labels.severity);
      expect(r.for).toMatch(/^\d+m$/);
    }
  });

  it("scopes every expression to this release: its namespace, or its cells' PodMonitor job", () => {
    for (const r of all) expect([r.alert, /namespace="lsp-system"|job="lsp-system\/lsp-cells"/.test(r.expr)]).toEqual([r.alert, true]);
    const billing = all.filter((r) => r.alert.startsWith("LspBillingJob"));
    expect(billing.map((r) => r.alert).sort()).toEqual(["LspBillingJobFailed", "LspBillingJobLate"]);
    expect(billing[0]!.expr).toContain("lsp-billing-");
  });

  it("leaves the billing job alerts out with the jobs, and ships nothing unless asked", () => {
    expect(rules({ billingJobs: { enabled: false } }).map((r) => r.alert)).not.toContain("LspBillingJobLate");
    expect(renderChart({}).filter((m) => m.kind === "PrometheusRule")).toEqual([]);
  });
});
