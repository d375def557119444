// Runs one reconciler: keys from a WorkQueue, handed to N workers, each result turned into
// forget / requeue-after / backoff exactly as controller-runtime does, with its metric names.
import type { Logger } from "pino";
import { traceReconcile } from "../../observability/index.js";
import { isConflict } from "./kube.js";
import type { OperatorMetrics } from "./metrics.js";
import { WorkQueue } from "./workqueue.js";

export interface ReconcileResult {
  /** Reconcile the key again after this many ms even if nothing changes. */
  requeueAfterMs?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  workers: number;
  log: Logger;
  metrics: OperatorMetrics;
}

export class Controller {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.queue = new WorkQueue({ name: options.name, metrics: options.metrics });
  }

  start(): void {
    this.options.metrics.maxWorkers.set({ controller: this.options.name }, this.options.workers);
    for (let i = 0; i < this.options.workers; i++) this.workers.push(this.work());
  }

  /** Stops taking keys and waits for reconciles in flight to finish. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    const { name, reconcile, log, metrics } = this.options;
    const labels = { controller: name };
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      metrics.activeWorkers.inc(labels);
      const started = process.hrtime.bigint();
      try {
        const result = (await traceReconcile(name, key, () => reconcile(key))) ?? {};
        this.queue.forget(key);
        if (result.requeueAfterMs !== undefined) {
          metrics.reconcileTotal.inc({ controller: name, result: "requeue_after" });
          this.queue.addAfter(key, result.requeueAfterMs);
        } else {
          metrics.reconcileTotal.inc({ controller: name, result: "success" });
        }
      } catch (error) {
        if (isConflict(error)) {
          // Someone changed the object since we read it: try again soon with fresh state.
          metrics.reconcileTotal.inc({ controller: name, result: "requeue" });
          this.queue.addRateLimited(key);
        } else {
          metrics.reconcileTotal.inc({ controller: name, result: "error" });
          metrics.reconcileErrors.inc(labels);
          const delay = this.queue.addRateLimited(key);
          log.warn({ controller: name, key, retryInMs: delay, err: errorText(error) }, "Reconcile failed");
        }
      } finally {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.reconcileTime.observe(labels, seconds);
        metrics.workDuration.observe({ name, controller: name }, seconds);
        metrics.activeWorkers.dec(labels);
        this.queue.done(key);
      }
    }
  }
}

export function errorText(error: unknown): string {
  if (error && typeof error === "object" && "body" in error && typeof (error as { body: unknown }).body === "string") {
    try {
      const status = JSON.parse((error as { body: string }).body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      // not a Status body; fall through
    }
  }
  return error instanceof Error ? error.message : String(error);
}
