import { describe, expect, it } from "@jest/globals";
import { metricMean, metricSum } from "./metrics.js";

const text = `# HELP controller_runtime_reconcile_total Total number of reconciliations per controller
# TYPE controller_runtime_reconcile_total counter
controller_runtime_reconcile_total{controller="tenant",result="success"} 10
controller_runtime_reconcile_total{controller="tenant",result="requeue_after"} 5
controller_runtime_reconcile_total{controller="cell",result="success"} 3
controller_runtime_reconcile_time_seconds_sum{controller="tenant"} 3
controller_runtime_reconcile_time_seconds_count{controller="tenant"} 15
controller_runtime_reconcile_time_seconds_bucket{le="+Inf",controller="tenant"} 15
process_cpu_seconds_total 4.5
`;

describe("Given the operator's /metrics text", () => {
  it("sums a metric over all its samples, or only those carrying the given labels", () => {
    expect(metricSum(text, "controller_runtime_reconcile_total")).toBe(18);
    expect(metricSum(text, "controller_runtime_reconcile_total", { controller: "tenant" })).toBe(15);
    expect(metricSum(text, "process_cpu_seconds_total")).toBe(4.5);
    expect(metricSum(text, "missing_total")).toBe(0);
  });

  it("takes a histogram's mean from its sum and count, and 0 when it has no samples", () => {
    expect(metricMean(text, "controller_runtime_reconcile_time_seconds", { controller: "tenant" })).toBeCloseTo(0.2);
    expect(metricMean(text, "controller_runtime_reconcile_time_seconds", { controller: "cell" })).toBe(0);
  });
});
