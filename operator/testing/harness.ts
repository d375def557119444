// Helpers for the operator's integration tests: real apiserver (KUBECONFIG) and real Postgres
// (DATABASE_URL) from the jest global setup. Each test scopes its operator with a unique instance
// label, so it never touches colleagues' Tenants and Cells in the shared cluster.
import * as k8s from "@kubernetes/client-node";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { API_VERSION, CELL_PLURAL, GROUP, TENANT_PLURAL, VERSION, type Cell, type Tenant, type TenantSpec } from "../api/v1alpha1/index.js";
import { crds } from "../api/v1alpha1/crds.js";
import { startOperator, type OperatorHandle } from "../manager.js";
import type { OperatorConfigInput } from "../config.js";
import { cellNamespace, Labels } from "../names.js";
import { toolPath } from "../../scripts/services/toolchain.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const applyOptions = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply);

export interface TestKube {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  coordination: k8s.CoordinationV1Api;
  extensions: k8s.ApiextensionsV1Api;
  networking: k8s.NetworkingV1Api;
  policy: k8s.PolicyV1Api;
}

export function testKube(kubeconfig = process.env.KUBECONFIG!): TestKube {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    coordination: kc.makeApiClient(k8s.CoordinationV1Api),
    extensions: kc.makeApiClient(k8s.ApiextensionsV1Api),
    networking: kc.makeApiClient(k8s.NetworkingV1Api),
    policy: kc.makeApiClient(k8s.PolicyV1Api),
  };
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
}

/**
 * Installs the committed crds/*.yaml with kubectl (as platform ops do) and waits until they are
 * served. Not through client-node's typed CRD model: its serializer drops `enum` and the
 * x-kubernetes-* keys it spells differently.
 */
export async function installCrds(kube: TestKube, kubeconfig = process.env.KUBECONFIG!): Promise<void> {
  execFileSync(toolPath("kubectl"), [`--kubeconfig=${kubeconfig}`, "apply", "--server-side", "--force-conflicts", "--field-manager=lsp-operator-tests", "-f", join(ROOT, "crds")], { stdio: "pipe" });
  for (const crd of crds) {
    await eventually(`CRD ${crd.metadata!.name} established`, async () => {
      const c = await kube.extensions.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
    });
  }
  await eventually("tenants served", () => kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL }).then(() => true));
}

export function uniqueInstance(prefix = "t"): string {
  return `${prefix}${randomBytes(3).toString("hex")}`;
}

export function operatorConfig(instance: string, overrides: Partial<OperatorConfigInput> = {}): OperatorConfigInput {
  return {
    platformDatabaseUrl: process.env.DATABASE_URL!,
    kubeconfig: process.env.KUBECONFIG,
    instance,
    sharedCellPrefix: `${instance}-shared`,
    leaseNamespace: "default",
    leaseName: `lsp-operator-${instance}`,
    httpPort: 0,
    httpHost: "127.0.0.1",
    logLevel: (process.env.OPERATOR_TEST_LOG as OperatorConfigInput["logLevel"]) ?? "silent",
    ...overrides,
  };
}

export function startTestOperator(instance: string, overrides: Partial<OperatorConfigInput> = {}): Promise<OperatorHandle> {
  return startOperator(operatorConfig(instance, overrides));
}

/** The operator as a child process (`node --import tsx operator/main.ts`), for kill -9 tests. */
export function spawnOperator(instance: string, identity: string, extraArgs: string[] = []): ChildProcess {
  const c = operatorConfig(instance);
  const child = spawn(
    process.execPath,
    [
      "--import", "tsx", "operator/main.ts",
      "--instance", instance, "--shared-cell-prefix", String(c.sharedCellPrefix), "--lease-namespace", "default", "--lease-name", String(c.leaseName),
      "--identity", identity, "--http-port", "0", "--log-level", process.env.OPERATOR_TEST_LOG ?? "warn", ...extraArgs,
    ],
    { cwd: ROOT, env: { ...process.env, PLATFORM_DATABASE_URL: process.env.DATABASE_URL, KUBECONFIG: process.env.KUBECONFIG }, stdio: ["ignore", "pipe", "inherit"] },
  );
  // The operator logs to stdout: kept for a failing test to print, shown live only when asked for.
  createInterface({ input: child.stdout! }).on("line", (line) => {
    recentOperatorLog.push(line);
    if (recentOperatorLog.length > 500) recentOperatorLog.splice(0, 100);
    if (process.env.OPERATOR_TEST_LOG) process.stdout.write(`${line}\n`);
  });
  return child;
}

const recentOperatorLog: string[] = [];

/** The last lines child-process operators logged (warnings and errors, or OPERATOR_TEST_LOG's level). */
export function operatorLogTail(lines = 60): string {
  return recentOperatorLog.slice(-lines).join("\n");
}

export function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once("exit", () => done());
    child.kill("SIGKILL");
  });
}

export function tenantManifest(instance: string, name: string, spec: Partial<TenantSpec> = {}): Tenant {
  return {
    apiVersion: API_VERSION,
    kind: "Tenant",
    metadata: { name, labels: { [Labels.instance]: instance } },
    spec: {
      slug: name,
      displayName: "Phở Bò Hà Nội",
      plan: "growth",
      owner: { phone: "+84901234567", name: "Nguyễn Văn An" },
      isolation: "shared",
      locations: [{ name: "Chi nhánh Hoàn Kiếm" }],
      ...spec,
    },
  };
}

export async function applyTenant(kube: TestKube, tenant: Tenant): Promise<void> {
  await kube.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name: tenant.metadata.name, body: tenant, fieldManager: "lsp-tests", force: true }, applyOptions);
}

export async function getTenant(kube: TestKube, name: string): Promise<Tenant | undefined> {
  try {
    return (await kube.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name })) as Tenant;
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) return undefined;
    throw error;
  }
}

export async function listOwn<T extends Tenant | Cell>(kube: TestKube, plural: typeof TENANT_PLURAL | typeof CELL_PLURAL, instance: string): Promise<T[]> {
  const list = (await kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural, labelSelector: `${Labels.instance}=${instance}` })) as { items: T[] };
  return list.items;
}

export const isReady = (o: { status?: { conditions?: { type: string; status: string }[] } } | undefined) => o?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

export async function deleteAll(kube: TestKube, instance: string): Promise<void> {
  for (const plural of [TENANT_PLURAL, CELL_PLURAL] as const) {
    for (const o of await listOwn(kube, plural, instance)) {
      await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name: o.metadata.name }).catch(() => {});
    }
  }
}

/** Removes finalizers the operator under test can no longer handle (test teardown only). */
export async function forceForget(kube: TestKube, instance: string): Promise<void> {
  const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
  for (const plural of [TENANT_PLURAL, CELL_PLURAL] as const) {
    for (const o of await listOwn(kube, plural, instance)) {
      await kube.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural, name: o.metadata.name, body: { metadata: { finalizers: [] } } }, merge).catch(() => {});
      await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name: o.metadata.name }).catch(() => {});
    }
  }
}

export function adminPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  // The test services stop Postgres after the last suite; an idle client's "terminating
  // connection" must not crash jest after the tests passed.
  pool.on("error", () => {});
  return pool;
}

/** Postgres schemas and roles of this instance's cells (cell names start with the instance or dedicated-{instance}). */
export async function cellSchemasAndRoles(db: pg.Pool, instance: string): Promise<{ schemas: string[]; roles: string[] }> {
  const like = [`cell_${instance}%`, `cell_dedicated_${instance}%`];
  const schemas = await db.query<{ n: string }>("select nspname as n from pg_namespace where nspname like any($1) order by 1", [like]);
  const roles = await db.query<{ n: string }>("select rolname as n from pg_roles where rolname like any($1) order by 1", [like]);
  return { schemas: schemas.rows.map((r) => r.n), roles: roles.rows.map((r) => r.n) };
}


/**
 * Why this instance has not converged: each Tenant that is not Ready (or, during deletion, still
 * exists) with its labels, finalizers, status and Events, its cell's status, Events and
 * Deployments, and every Cell still being deleted — so a timed-out convergence test says which
 * object got stuck where, instead of only "timed out".
 */
export async function describeStuck(kube: TestKube, instance: string, stuck: (t: Tenant) => boolean = (t) => !isReady(t)): Promise<string> {
  const tenants = await listOwn<Tenant>(kube, TENANT_PLURAL, instance);
  const cells = new Map((await listOwn<Cell>(kube, CELL_PLURAL, instance)).map((c) => [c.metadata.name, c]));
  const events = (await kube.core.listNamespacedEvent({ namespace: "default" })).items;
  const eventsOf = (kind: string, name: string) =>
    events
      .filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name)
      .map((e) => `    ${e.lastTimestamp ? new Date(e.lastTimestamp).toISOString() : "?"} ${e.type} ${e.reason} x${e.count ?? 1}: ${e.message}`);
  const meta = (o: Tenant | Cell) =>
    `(created ${o.metadata.creationTimestamp}, generation ${o.metadata.generation}, resourceVersion ${o.metadata.resourceVersion}${o.metadata.deletionTimestamp ? `, deleting since ${o.metadata.deletionTimestamp}` : ""}) labels ${JSON.stringify(o.metadata.labels)} finalizers ${JSON.stringify(o.metadata.finalizers ?? [])}`;
  const describeCell = async (cell: Cell) => {
    const namespace = cellNamespace(cell.metadata.name);
    const deployments = await kube.apps.listNamespacedDeployment({ namespace }).catch(() => ({ items: [] as k8s.V1Deployment[] }));
    return [
      `  Cell ${cell.metadata.name} ${meta(cell)}`,
      `    status ${JSON.stringify(cell.status ?? null)}`,
      ...eventsOf("Cell", cell.metadata.name),
      ...deployments.items.map((d) => `    Deployment ${namespace}/${d.metadata?.name}: generation ${d.metadata?.generation} status ${JSON.stringify(d.status ?? null)}`),
    ];
  };
  const lines: string[] = [];
  for (const t of tenants.filter(stuck)) {
    const cellName = t.metadata.labels?.[Labels.cell] ?? t.status?.cell;
    const cell = cellName ? cells.get(cellName) : undefined;
    lines.push(`Tenant ${t.metadata.name} ${meta(t)}`, `  status ${JSON.stringify(t.status ?? null)}`, ...eventsOf("Tenant", t.metadata.name));
    lines.push(...(cell ? await describeCell(cell) : [`  Cell ${cellName ?? "(not placed)"}: not found`]));
  }
  for (const cell of cells.values()) if (cell.metadata.deletionTimestamp) lines.push(...(await describeCell(cell)));
  return lines.length ? lines.join("\n") : "nothing stuck";
}
