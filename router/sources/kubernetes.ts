// Routes from Tenant objects in Kubernetes, through an informer (list + watch). The informer of
// @kubernetes/client-node stops for good on most errors, so this source restarts it with
// backoff, relists periodically, and never lets a dead API empty the table: the routes it last
// knew (or the disk snapshot's) keep serving until a fresh list replaces them.
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../../common/index.js";
import { loadKubeConfig } from "../../common/kube-config.js";
import { GROUP, TENANT_PLURAL, VERSION, type Tenant } from "../../operator/api/v1alpha1/index.js";
import type { RouteTable } from "../route-table.js";
import type { RouteSource } from "./route-source.js";
import { TenantRoutes } from "./tenant-routes.js";

export interface KubernetesRouteSourceOptions {
  kubeConfig?: k8s.KubeConfig;
  log: Logger;
  /** How long start() waits for the first list before letting the router serve from its snapshot. */
  initialSyncTimeoutMs?: number;
  /** Relist everything this often, in case a watch silently missed an event. */
  resyncIntervalMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const tenantsPath = `/apis/${GROUP}/${VERSION}/${TENANT_PLURAL}`;

export class KubernetesRouteSource implements RouteSource {
  readonly name = "kubernetes";
  readonly #kc: k8s.KubeConfig;
  readonly #log: Logger;
  readonly #tenants = new TenantRoutes();
  readonly #options: Required<Omit<KubernetesRouteSourceOptions, "kubeConfig" | "log">>;
  #table: RouteTable | undefined;
  #informer: (k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>) | undefined;
  #synced = false;
  #stopped = true;
  #backoffMs: number;
  #restartTimer: NodeJS.Timeout | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #firstSync: (() => void) | undefined;
  /** Incremented per informer so events from a replaced one are ignored. */
  #generation = 0;
  lastError: string | undefined;

  constructor(options: KubernetesRouteSourceOptions) {
    this.#log = options.log;
    this.#kc = options.kubeConfig ?? loadKubeConfig();
    this.#options = {
      initialSyncTimeoutMs: options.initialSyncTimeoutMs ?? 5_000,
      resyncIntervalMs: options.resyncIntervalMs ?? 5 * 60_000,
      minBackoffMs: options.minBackoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
    };
    this.#backoffMs = this.#options.minBackoffMs;
  }

  get synced(): boolean {
    return this.#synced;
  }

  async start(table: RouteTable): Promise<void> {
    this.#table = table;
    this.#stopped = false;
    const firstSync = new Promise<void>((resolve) => (this.#firstSync = resolve));
    this.#run();
    this.#resyncTimer = setInterval(() => this.#restart("periodic resync"), this.#options.resyncIntervalMs);
    this.#resyncTimer.unref();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#options.initialSyncTimeoutMs)));
    await Promise.race([firstSync, timeout]);
    clearTimeout(timer);
    if (!this.#synced) this.#log.warn({ err: this.lastError }, "Kubernetes API not reachable yet; serving the last known routes");
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    clearInterval(this.#resyncTimer);
    this.#generation++;
    const informer = this.#informer;
    this.#informer = undefined;
    await informer?.stop().catch(() => {});
  }

  #run(): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    const custom = this.#kc.makeApiClient(k8s.CustomObjectsApi);
    const list = () =>
      custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;
    const informer = k8s.makeInformer<k8s.KubernetesObject>(this.#kc, tenantsPath, list);
    this.#informer = informer;
    const current = () => generation === this.#generation;
    // informer.start() resolves even when its first list failed (it reports through "error").
    let failed = false;
    informer.on("add", (t) => current() && this.#apply(this.#tenants.upsert(t as unknown as Tenant)));
    informer.on("update", (t) => current() && this.#apply(this.#tenants.upsert(t as unknown as Tenant)));
    informer.on("delete", (t) => current() && this.#apply(this.#tenants.remove(t.metadata?.name ?? "")));
    informer.on("error", (err) => {
      failed = true;
      if (!current()) return;
      this.lastError = describe(err);
      this.#log.warn({ err: this.lastError, retryInMs: this.#backoffMs }, "Tenant informer stopped; restarting");
      this.#scheduleRestart();
    });
    informer
      .start()
      .then(() => {
        if (!current() || failed) return;
        this.#synced = true;
        this.#backoffMs = this.#options.minBackoffMs;
        this.lastError = undefined;
        this.#fullSync(informer.list() as unknown as Tenant[]);
        this.#firstSync?.();
      })
      .catch((err: unknown) => {
        if (!current()) return;
        this.lastError = describe(err);
        this.#scheduleRestart();
      });
  }

  /** The list is the truth: rebuild claims from it, so Tenants deleted while we were away vanish. */
  #fullSync(tenants: readonly Tenant[]): void {
    this.#tenants.clear();
    for (const tenant of tenants) this.#tenants.upsert(tenant);
    this.#table!.replaceAll(this.#tenants.all());
    for (const slug of this.#tenants.conflicts()) this.#log.error({ slug }, "Two Tenants claim one slug; routing neither");
  }

  #apply(slugs: string[]): void {
    const table = this.#table;
    if (!table) return;
    for (const slug of slugs) {
      const spec = this.#tenants.specFor(slug);
      if (spec) table.set(slug, spec);
      else table.delete(slug);
    }
  }

  #scheduleRestart(): void {
    if (this.#stopped || this.#restartTimer !== undefined) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.maxBackoffMs);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#restart("after error");
    }, delay);
    this.#restartTimer.unref();
  }

  #restart(why: string): void {
    if (this.#stopped) return;
    const old = this.#informer;
    this.#generation++;
    old?.stop().catch(() => {});
    this.#log.debug({ why }, "Restarting tenant informer");
    this.#run();
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
