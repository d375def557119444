// `npm run bench:operator`: 1,000 Tenants applied at once against a private control plane and
// Postgres → time until all are Ready, the operator's peak RSS, apiserver requests per reconcile.
// Peer measured in the same run: the apiserver write floor — the time to merely create the same
// 1,000 Tenants (no operator could be faster than the writes it has to make).
// The machine is shared: the load average is printed with every figure and recorded in the result.
// Options (env): BENCH_TENANTS (1000), BENCH_WORKERS (32), BENCH_CAPACITY (100), BENCH_KEEP=1 keeps state,
// BENCH_RUNTIME=tsx runs the operator through tsx instead of compiled as its image runs it.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startCluster } from "../../scripts/services/cluster.js";
import { startPostgres } from "../../scripts/services/postgres.js";
import { freePort } from "../../scripts/services/processes.js";
import { GROUP, TENANT_PLURAL, VERSION, type Tenant } from "../api/v1alpha1/index.js";
import { applyTenant, installCrds, isReady, tenantManifest, testKube } from "../testing/harness.js";
import { ResilientInformer } from "../runtime/informer.js";
import { pino } from "pino";
import { buildOperator } from "./build.js";
import { metricMean, metricSum } from "./metrics.js";

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 32);
const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 100);
const TARGET_READY_S = 60;
/** As the Helm chart runs it: a bounded old space keeps V8 from growing the heap lazily past the budget. */
const OPERATOR_NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? "--max-old-space-size=160 --max-semi-space-size=2";
const TARGET_RSS_MB = 256;
const root = resolve(import.meta.dirname, "..", "..");
const stateDir = resolve(root, ".lsp", `bench-operator-${process.pid}`);
const RUNTIME = process.env.BENCH_RUNTIME === "tsx" ? "tsx" : "compiled";
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const log = (m: string) => process.stderr.write(`[bench:operator] ${m} (load average ${load()})\n`);

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function main(): Promise<void> {
  delete process.env.DATABASE_URL; // a private Postgres, not a developer's
  log(`starting a private cluster and Postgres in ${stateDir}`);
  const loadAtStart = load();
  const operatorMain = RUNTIME === "compiled" ? buildOperator(resolve(stateDir, "build")) : undefined;
  const [cluster, postgres] = await Promise.all([
    startCluster({ stateDir: resolve(stateDir, "cluster"), log }),
    startPostgres({ dataDir: resolve(stateDir, "postgres", "data"), persistent: false }),
  ]);
  const kube = testKube(cluster.kubeconfig);
  let operator: ReturnType<typeof spawn> | undefined;
  let interrupted = false;
  const cleanup = async () => {
    operator?.kill("SIGTERM");
    await sleep(1_000);
    await cluster.stop().catch((e: unknown) => log(`cluster stop: ${String(e)}`));
    await postgres.stop().catch((e: unknown) => log(`postgres stop: ${String(e)}`));
    if (!process.env.BENCH_KEEP) rmSync(stateDir, { recursive: true, force: true });
  };
  // Connections dropped while stopping must not abort the cleanup.
  process.on("uncaughtException", (e) => log(`ignored during run: ${String(e)}`));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      interrupted = true;
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await installCrds(kube, cluster.kubeconfig);

    // Peer: the apiserver write floor, 1,000 creates of the same Tenants with nobody reconciling them.
    const floorInstance = "floor";
    const floorStart = Date.now();
    await inParallel([...Array(TENANTS).keys()], 50, (i) => applyTenant(kube, tenantManifest(floorInstance, `floor-${i}`)));
    const floorS = (Date.now() - floorStart) / 1000;
    log(`peer: ${TENANTS} Tenant creates took ${floorS.toFixed(1)} s`);
    await kube.custom.deleteCollectionClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, labelSelector: "localstoreplatform.com/instance=floor" });

    const port = await freePort();
    const entry = operatorMain ? ["--enable-source-maps", operatorMain] : ["--import", "tsx", "operator/main.ts"];
    operator = spawn(process.execPath, [...OPERATOR_NODE_OPTIONS.split(" ").filter(Boolean), ...entry, "--instance", "bench", "--workers", String(WORKERS), "--shared-cell-capacity", String(CAPACITY), "--http-port", String(port), "--lease-namespace", "default", "--log-level", "warn"], {
      cwd: root,
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, PLATFORM_DATABASE_URL: postgres.url },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    for (let i = 0; i < 200; i++) {
      if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break;
      await sleep(100);
    }
    const baseline = await (await fetch(metricsUrl)).text();
    const requestsBefore = metricSum(baseline, "rest_client_requests_total");
    const cpuBefore = metricSum(baseline, "process_cpu_seconds_total");
    const idleRssMb = metricSum(baseline, "process_resident_memory_bytes") / 1024 ** 2;

    log(`applying ${TENANTS} Tenants at once (${WORKERS} workers, shared cell capacity ${CAPACITY})`);
    const started = Date.now();
    await inParallel([...Array(TENANTS).keys()], 50, (i) => applyTenant(kube, tenantManifest("bench", `bench-${i}`, { displayName: `Quán Ăn Số ${i}` })));
    const appliedS = (Date.now() - started) / 1000;
    log(`applied in ${appliedS.toFixed(1)} s; waiting for Ready`);
    // A watch, not repeated lists: the observer must not load the apiserver it measures.
    const watched = new ResilientInformer<Tenant>({
      kc: kube.kc,
      path: `/apis/${GROUP}/${VERSION}/${TENANT_PLURAL}`,
      labelSelector: "localstoreplatform.com/instance=bench",
      list: () => kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, labelSelector: "localstoreplatform.com/instance=bench" }) as never,
      onChange: () => {},
      log: pino({ level: "silent" }),
    });
    await watched.start();
    let ready = 0;
    let lastReport = 0;
    while (ready < TENANTS) {
      ready = watched.list().filter(isReady).length;
      if (Date.now() - lastReport > 5_000) {
        log(`${ready}/${TENANTS} Ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        lastReport = Date.now();
      }
      if (Date.now() - started > 600_000) throw new Error(`only ${ready}/${TENANTS} Ready after 600 s`);
      if (ready < TENANTS) await sleep(100);
    }
    const readyS = (Date.now() - started) / 1000;
    await watched.stop();
    const metrics = await (await fetch(metricsUrl)).text();
    const requests = metricSum(metrics, "rest_client_requests_total") - requestsBefore;
    const reconciles = metricSum(metrics, "controller_runtime_reconcile_total");
    const heapUsedMb = metricSum(metrics, "nodejs_heap_size_used_bytes") / 1024 ** 2;
    const cpuSeconds = metricSum(metrics, "process_cpu_seconds_total") - cpuBefore;
    const perController = (controller: string) => ({
      reconciles: metricSum(metrics, "controller_runtime_reconcile_total", { controller }),
      meanReconcileMs: +(metricMean(metrics, "controller_runtime_reconcile_time_seconds", { controller }) * 1000).toFixed(1),
      meanQueueWaitMs: +(metricMean(metrics, "workqueue_queue_duration_seconds", { controller }) * 1000).toFixed(1),
    });
    const requestsBy = (method: string) => metricSum(metrics, "rest_client_requests_total", { method });
    const peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${operator.pid}/status`, "utf8"))![1]) / 1024;
    const cells = ((await kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells" })) as { items: unknown[] }).items.length;

    const result = {
      tenants: TENANTS,
      cells,
      workers: WORKERS,
      operatorRuntime: RUNTIME,
      loadAverage: { start: loadAtStart, end: load() },
      applySeconds: +appliedS.toFixed(1),
      allReadySeconds: +readyS.toFixed(1),
      peerWriteFloorSeconds: +floorS.toFixed(1),
      ratioToPeer: +(readyS / floorS).toFixed(2),
      operatorCpuSeconds: +cpuSeconds.toFixed(1),
      operatorCpuMsPerTenant: +((cpuSeconds * 1000) / TENANTS).toFixed(1),
      operatorPeakRssMb: +peakRssMb.toFixed(0),
      operatorIdleRssMb: +idleRssMb.toFixed(0),
      operatorHeapUsedMbAtEnd: +heapUsedMb.toFixed(0),
      nodeOptions: OPERATOR_NODE_OPTIONS,
      apiserverRequests: requests,
      apiserverRequestsByMethod: { GET: requestsBy("GET"), POST: requestsBy("POST"), PATCH: requestsBy("PATCH"), PUT: requestsBy("PUT"), DELETE: requestsBy("DELETE") },
      reconciles,
      tenantController: perController("tenant"),
      cellController: perController("cell"),
      requestsPerReconcile: +(requests / reconciles).toFixed(2),
      requestsPerTenant: +(requests / TENANTS).toFixed(2),
      targets: { allReadySeconds: `< ${TARGET_READY_S}`, operatorPeakRssMb: `< ${TARGET_RSS_MB}` },
      met: readyS < TARGET_READY_S && peakRssMb < TARGET_RSS_MB,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    if (!interrupted) await cleanup();
  }
}

await main();
