// Wires the operator together: health/metrics server, leader election, and — while leading —
// the informers and the Cell and Tenant controllers. Stopping is graceful: reconciles in flight
// finish, the lease is released so a standby takes over at once, then the database pool closes.
import type * as k8s from "@kubernetes/client-node";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import { CELL_PLURAL, GROUP, TENANT_PLURAL, VERSION, type Cell, type Tenant } from "./api/v1alpha1/index.js";
import { parseConfig, type OperatorConfig, type OperatorConfigInput } from "./config.js";
import { observedAssignments, placedCell, placementCells, type OperatorContext } from "./controllers/context.js";
import { reconcileCell } from "./controllers/cell/reconcile.js";
import { forgetNamespace } from "./controllers/cell/workloads.js";
import { reconcileTenant } from "./controllers/tenant/reconcile.js";
import { PlatformDatabase } from "./database.js";
import { Labels, MANAGED_BY } from "./names.js";
import { PlacementBook } from "./placement/book.js";
import { Controller } from "./runtime/controller.js";
import { createEventRecorder } from "./runtime/events.js";
import { startHealthServer } from "./runtime/health.js";
import { ResilientInformer } from "./runtime/informer.js";
import { createKube, loadKubeConfig, type Kube } from "./runtime/kube.js";
import { LeaderElector } from "./runtime/leader.js";
import { createMetrics, type OperatorMetrics } from "./runtime/metrics.js";

export interface OperatorHandle {
  config: OperatorConfig;
  /** Port of /healthz, /readyz and /metrics. */
  port: number;
  metrics: OperatorMetrics;
  isLeader(): boolean;
  /** Resolves when the operator stopped (SIGTERM, stop(), or a lost lease). */
  stopped: Promise<{ reason: string }>;
  stop(reason?: string): Promise<void>;
}

export interface OperatorHooks {
  /**
   * Called at once when the lease is lost, instead of a graceful stop: the CLI exits non-zero
   * without waiting for in-flight reconciles. Without it the operator stops (waiting for them).
   */
  onLeaseLost?: () => void;
  log?: Logger;
}

export async function startOperator(input: OperatorConfigInput, hooks: OperatorHooks = {}): Promise<OperatorHandle> {
  const config = parseConfig(input);
  const log = hooks.log ?? pino({ name: "operator", level: config.logLevel, base: { component: "operator", identity: config.identity }, timestamp: pino.stdTimeFunctions.isoTime });
  const metrics = createMetrics();
  const kube = createKube(loadKubeConfig(config.kubeconfig), metrics);
  // One connection per worker, plus the cell controller's.
  const db = new PlatformDatabase(config.platformDatabaseUrl, config.workers + 2);
  const commonLabels: Record<string, string> = { [Labels.managedBy]: MANAGED_BY, ...(config.instance ? { [Labels.instance]: config.instance } : {}) };

  let running: Running | undefined;
  let stopping: Promise<void> | undefined;
  let resolveStopped!: (value: { reason: string }) => void;
  const stopped = new Promise<{ reason: string }>((resolve) => (resolveStopped = resolve));

  const elector = config.leaderElection
    ? new LeaderElector({
        coordination: kube.coordination,
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity: config.identity,
        log,
        onStartedLeading: () => {
          metrics.leaderElection.set({ name: config.leaseName }, 1);
          running = startControllers(config, kube, db, log, metrics, commonLabels);
        },
        onLost: () => {
          metrics.leaderElection.set({ name: config.leaseName }, 0);
          // As controller-runtime does: a replica that lost its lease stops writing at once. The
          // process hook (main.ts exits) runs before anything waits for in-flight reconciles, a
          // copy among them, which would otherwise go on writing while the new leader starts.
          if (hooks.onLeaseLost) hooks.onLeaseLost();
          else void stop("lease lost");
        },
      })
    : undefined;

  const server: Server = await startHealthServer(config.httpPort, config.httpHost, {
    registry: metrics.registry,
    live: () => !stopping,
    // A standby is ready (it is doing its job: waiting); a leader once its caches have listed.
    ready: () => !stopping && (running ? running.synced() : Boolean(elector)),
  });

  async function stop(reason = "stopped"): Promise<void> {
    stopping ??= (async () => {
      log.info({ reason }, "Stopping operator");
      await running?.stop();
      await elector?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await db.close().catch(() => {});
      resolveStopped({ reason });
    })();
    return stopping;
  }

  if (elector) elector.start();
  else running = startControllers(config, kube, db, log, metrics, commonLabels);

  return {
    config,
    port: (server.address() as AddressInfo).port,
    metrics,
    isLeader: () => Boolean(running),
    stopped,
    stop,
  };
}

interface Running {
  synced(): boolean;
  stop(): Promise<void>;
}

function startControllers(config: OperatorConfig, kube: Kube, db: PlatformDatabase, log: Logger, metrics: OperatorMetrics, commonLabels: Record<string, string>): Running {
  const selector = config.instance ? `${Labels.instance}=${config.instance}` : undefined;
  const resyncMs = config.resyncSeconds * 1000;
  const crd = (plural: string) => ({ group: GROUP, version: VERSION, plural, ...(selector ? { labelSelector: selector } : {}) });
  const cellCtl = new Controller({ name: "cell", workers: Math.max(2, Math.ceil(config.workers / 2)), log, metrics, reconcile: (key) => reconcileCell(ctx, key) });
  const tenantCtl = new Controller({ name: "tenant", workers: config.workers, log, metrics, reconcile: (key) => reconcileTenant(ctx, key) });

  const cellSignatures = new Map<string, string>();
  const tenants = new ResilientInformer<Tenant>({
    kc: kube.kc,
    path: `/apis/${GROUP}/${VERSION}/${TENANT_PLURAL}`,
    labelSelector: selector,
    list: () => kube.custom.listClusterCustomObject(crd(TENANT_PLURAL)) as never,
    log,
    metrics,
    resyncMs,
    onChange: (tenant, event) => {
      // Before the cell recounts: a deleted tenant's reservation must not keep its slot taken.
      if (event === "delete") ctx.book.release(tenant.metadata.name);
      tenantCtl.queue.add(tenant.metadata.name);
      const cell = placedCell(tenant);
      // Occupancy changes come in bursts: recount each cell at most about once a second.
      if (cell && event !== "resync") cellCtl.queue.addAfter(cell, 1_000);
    },
  });
  const cells = new ResilientInformer<Cell>({
    kc: kube.kc,
    path: `/apis/${GROUP}/${VERSION}/${CELL_PLURAL}`,
    labelSelector: selector,
    list: () => kube.custom.listClusterCustomObject(crd(CELL_PLURAL)) as never,
    log,
    metrics,
    resyncMs,
    onChange: (cell, event) => {
      const name = cell.metadata.name;
      cellCtl.queue.add(name);
      // Tenants care about their cell's readiness and endpoint only, not every status write.
      const signature = event === "delete" ? "" : JSON.stringify([cell.status?.endpoint, cell.status?.conditions?.filter((c) => c.type === "Ready" || c.type === "DatabaseReady").map((c) => c.status)]);
      if (cellSignatures.get(name) === signature) return;
      cellSignatures.set(name, signature);
      for (const [tenant, placed] of ctx.book.assignments()) if (placed === name) tenantCtl.queue.add(tenant);
    },
  });
  // Everything the operator made in the cells (their namespaces included), scoped to its instance.
  const managedSelector = [`${Labels.managedBy}=${MANAGED_BY}`, ...(selector ? [selector] : [])].join(",");
  const deployments = new ResilientInformer<k8s.V1Deployment>({
    kc: kube.kc,
    path: "/apis/apps/v1/deployments",
    labelSelector: managedSelector,
    list: () => kube.apps.listDeploymentForAllNamespaces({ labelSelector: managedSelector }) as never,
    log,
    metrics,
    resyncMs,
    onChange: (d) => {
      const cell = d.metadata?.labels?.[Labels.cell];
      if (cell) cellCtl.queue.add(cell);
    },
  });

  // The cells' namespaces: one deleted (by hand, or by mistake) is made anew by the next reconcile.
  const namespaces = new ResilientInformer<k8s.V1Namespace>({
    kc: kube.kc,
    path: "/api/v1/namespaces",
    labelSelector: managedSelector,
    list: () => kube.core.listNamespace({ labelSelector: managedSelector }) as never,
    log,
    metrics,
    resyncMs,
    onChange: (ns, event) => {
      const cell = ns.metadata?.labels?.[Labels.cell];
      // Everything applied into it went with it: apply it all again.
      if (event === "delete") forgetNamespace(ns.metadata?.ownerReferences?.find((r) => r.controller)?.uid);
      if (cell) cellCtl.queue.add(cell);
    },
  });

  const book = new PlacementBook(
    () => ({
      cells: placementCells(cells.list()),
      assignments: observedAssignments(tenants.list()),
    }),
    config,
  );
  const ctx: OperatorContext = { config, kube, db, log, record: createEventRecorder(kube.core, "lsp-operator", log), book, cells, tenants, deployments, namespaces, commonLabels };

  let stopped = false;
  // Workers start only once every cache has listed: placement decided on a partial view could overfill cells.
  const started = (async () => {
    await Promise.all([cells.start(), deployments.start(), namespaces.start()]);
    await tenants.start();
    while (!(cells.hasSynced && tenants.hasSynced && deployments.hasSynced && namespaces.hasSynced)) {
      if (stopped) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (stopped) return;
    cellCtl.start();
    tenantCtl.start();
    log.info({ workers: config.workers, instance: config.instance }, "Started controllers");
    if (!config.routerSigningKey || !config.jwksUrl) {
      log.warn({ routerSigningKey: Boolean(config.routerSigningKey), jwksUrl: Boolean(config.jwksUrl) }, "Cell APIs will not start until ROUTER_SIGNING_KEY and CONTROL_PLANE_JWKS_URL are configured");
    }
  })();

  return {
    synced: () => cells.hasSynced && tenants.hasSynced && deployments.hasSynced && namespaces.hasSynced,
    async stop() {
      stopped = true;
      await started.catch(() => {});
      await Promise.all([cellCtl.stop(), tenantCtl.stop()]);
      await Promise.all([cells.stop(), tenants.stop(), deployments.stop(), namespaces.stop()]);
    },
  };
}
