// Prometheus metrics under controller-runtime's and client-go's names, so dashboards built for
// Go operators (controller_runtime_reconcile_total, workqueue_depth, rest_client_requests_total) work unchanged.
// One Registry per operator instance: tests run several replicas in one process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type OperatorMetrics = ReturnType<typeof createMetrics>;

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const controller = ["controller"] as const;
  const queue = ["name", "controller"] as const;
  return {
    registry,
    reconcileTotal: new Counter({ name: "controller_runtime_reconcile_total", help: "Total number of reconciliations per controller", labelNames: ["controller", "result"], registers: [registry] }),
    reconcileErrors: new Counter({ name: "controller_runtime_reconcile_errors_total", help: "Total number of reconciliation errors per controller", labelNames: controller, registers: [registry] }),
    reconcileTime: new Histogram({ name: "controller_runtime_reconcile_time_seconds", help: "Length of time per reconciliation per controller", labelNames: controller, buckets: durationBuckets, registers: [registry] }),
    activeWorkers: new Gauge({ name: "controller_runtime_active_workers", help: "Number of currently used workers per controller", labelNames: controller, registers: [registry] }),
    maxWorkers: new Gauge({ name: "controller_runtime_max_concurrent_reconciles", help: "Maximum number of concurrent reconciles per controller", labelNames: controller, registers: [registry] }),
    depth: new Gauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames: queue, registers: [registry] }),
    adds: new Counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames: queue, registers: [registry] }),
    retries: new Counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames: queue, registers: [registry] }),
    queueDuration: new Histogram({ name: "workqueue_queue_duration_seconds", help: "How long in seconds an item stays in workqueue before being requested", labelNames: queue, buckets: durationBuckets, registers: [registry] }),
    workDuration: new Histogram({ name: "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes", labelNames: queue, buckets: durationBuckets, registers: [registry] }),
    restRequests: new Counter({ name: "rest_client_requests_total", help: "Number of HTTP requests to the apiserver, partitioned by status code, method, and host", labelNames: ["code", "method", "host"], registers: [registry] }),
    leaderElection: new Gauge({ name: "leader_election_master_status", help: "1 while this replica holds the lease", labelNames: ["name"], registers: [registry] }),
    informerRestarts: new Counter({ name: "lsp_informer_restarts_total", help: "Informer restarts after an error or a stall", labelNames: ["resource", "reason"], registers: [registry] }),
  };
}
