// An informer that keeps going: client-node's makeInformer stops for good on any error but 410, so
// this wrapper restarts it with exponential backoff, re-lists on a stall (no watch activity for
// stallMs), and replays the whole cache every resyncMs so missed events heal (level-triggered).
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { OperatorMetrics } from "./metrics.js";

type Cache = k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>;

export interface ResilientInformerOptions<T extends object> {
  kc: k8s.KubeConfig;
  /** Watch path, e.g. /apis/localstoreplatform.com/v1alpha1/tenants */
  path: string;
  list: () => Promise<{ metadata?: { resourceVersion?: string }; items: T[] }>;
  labelSelector?: string;
  /** Called for adds, updates, deletes and resyncs. */
  onChange: (object: T, event: "add" | "update" | "delete" | "resync") => void;
  log: Logger;
  metrics?: OperatorMetrics;
  resyncMs?: number;
  stallMs?: number;
  maxBackoffMs?: number;
}

// T is any object with Kubernetes metadata; our CRD types keep timestamps as strings (JSON as sent).
export class ResilientInformer<T extends object> {
  /** The informer being watched; `informer` serves reads and is only replaced once a new one has listed. */
  private running: Cache | undefined;
  private informer: Cache | undefined;
  private stopped = false;
  private synced = false;
  private failures = 0;
  private lastActivity = Date.now();
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly intervals: NodeJS.Timeout[] = [];
  private readonly resource: string;

  constructor(private readonly options: ResilientInformerOptions<T>) {
    this.resource = options.path.split("/").pop() ?? options.path;
  }

  /** True once the first list has been delivered. */
  get hasSynced(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const { resyncMs = 60_000, stallMs = 10 * 60_000 } = this.options;
    this.intervals.push(
      setInterval(() => this.resync(), resyncMs),
      setInterval(() => {
        if (Date.now() - this.lastActivity > stallMs) this.restart("stall");
      }, Math.min(stallMs, 30_000)),
    );
    for (const t of this.intervals) t.unref();
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.intervals.splice(0)) clearInterval(t);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.running?.stop().catch(() => {});
  }

  list(): readonly T[] {
    return (this.informer?.list() ?? []) as unknown as readonly T[];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer?.get(name, namespace) as T | undefined;
  }

  private async run(): Promise<void> {
    const { kc, path, list, labelSelector, onChange, log } = this.options;
    // A fresh informer each time: its list replaces the cache, so nothing stale survives a restart.
    let listed = false;
    const informer = k8s.makeInformer<k8s.KubernetesObject>(kc, path, async () => {
      const result = (await list()) as k8s.KubernetesListObject<k8s.KubernetesObject>;
      this.lastActivity = Date.now();
      listed = true;
      return result;
    }, labelSelector);
    // Events of a restarted informer's list arrive before it serves reads (start() resolves only
    // once its watch is open): handed on then, a reconcile they trigger would read the old, frozen
    // cache, decide from stale objects and wait for an event that already came. So they are held
    // until this informer serves reads.
    let serving = false;
    const early: [T, "add" | "update" | "delete"][] = [];
    const deliver = (o: k8s.KubernetesObject, event: "add" | "update" | "delete") => {
      this.lastActivity = Date.now();
      this.failures = 0;
      if (serving) onChange(o as T, event);
      else early.push([o as T, event]);
    };
    informer.on("add", (o) => deliver(o, "add"));
    informer.on("update", (o) => deliver(o, "update"));
    informer.on("delete", (o) => deliver(o, "delete"));
    informer.on("connect", () => (this.lastActivity = Date.now()));
    informer.on("error", (error) => {
      if (this.stopped || this.running !== informer) return;
      log.warn({ resource: this.resource, err: String(error) }, "Informer failed; restarting with backoff");
      this.scheduleRestart("error");
    });
    this.running = informer;
    try {
      await informer.start();
      // A failed list does not reject start(); the error handler has already scheduled a restart.
      if (this.running !== informer || !listed) return;
      const previous = this.informer;
      this.informer = informer;
      this.synced = true;
      serving = true;
      // A fresh list cannot report what was deleted while no watch ran: tell it from the old cache.
      for (const gone of previous?.list() ?? []) {
        if (!informer.get(gone.metadata?.name ?? "", gone.metadata?.namespace)) onChange(gone as T, "delete");
      }
      for (const [o, event] of early.splice(0)) onChange(o, event);
    } catch (error) {
      log.warn({ resource: this.resource, err: String(error) }, "Informer could not start; retrying with backoff");
      this.scheduleRestart("error");
    }
  }

  private scheduleRestart(reason: string): void {
    if (this.stopped || this.restartTimer) return;
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, 500 * 2 ** this.failures++);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restart(reason);
    }, delay);
    this.restartTimer.unref();
  }

  private restart(reason: string): void {
    if (this.stopped) return;
    this.options.metrics?.informerRestarts.inc({ resource: this.resource, reason });
    const previous = this.running;
    this.running = undefined;
    void previous?.stop().catch(() => {});
    this.lastActivity = Date.now();
    void this.run();
  }

  private resync(): void {
    if (!this.synced) return;
    for (const object of this.list()) this.options.onChange(object, "resync");
  }
}
