// Routes from real Tenant objects on a real apiserver: each change reaches the router within
// 1 s, and a router restarted while the API is unreachable serves from its disk snapshot.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "yaml";
import { createLogger } from "../../common/index.js";
import { GROUP, TENANT_PLURAL, VERSION } from "../../operator/api/v1alpha1/index.js";
import { freePort } from "../../scripts/services/processes.js";
import { createRouter, KubernetesRouteSource, type Router } from "../index.js";
import { send, type TestResponse } from "../testing/client.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess, TEST_ENGINE } from "../testing/processes.js";

const target = { group: GROUP, version: VERSION, plural: TENANT_PLURAL };
const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const log = createLogger("router-test", "silent");

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Installs the project's Tenant CRD (crds/ is the single source of truth) unless the cluster has it. */
async function installTenantCrd(kc: k8s.KubeConfig): Promise<void> {
  const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const crd = parse(readFileSync(resolve(import.meta.dirname, "../../crds/localstoreplatform.com_tenants.yaml"), "utf8")) as k8s.V1CustomResourceDefinition;
  await extensions.createCustomResourceDefinition({ body: crd }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
  await until("Tenant CRD established", async () => {
    const got = await extensions.readCustomResourceDefinition({ name: crd.metadata!.name! });
    return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
  });
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await until("Tenants served", () => custom.listClusterCustomObject(target));
}

function tenantBody(name: string, slug: string, suspended = false) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: "Tenant",
    metadata: { name },
    spec: { slug, displayName: `Quán ${slug}`, plan: "starter", owner: { phone: "+84901234567", name: "Chủ quán" }, isolation: "shared", suspended },
  };
}

describe("Given Tenant objects in Kubernetes", () => {
  const kc = new k8s.KubeConfig();
  let custom: k8s.CustomObjectsApi;
  let cellA: CellProcess;
  let cellB: CellProcess;
  let router: Router | undefined;
  const stateFile = join(mkdtempSync(join(tmpdir(), "router-k8s-")), "routes.json");
  const run = `r${process.pid}`;
  const created: string[] = [];

  const setStatus = (name: string, status: Record<string, unknown>) => custom.patchClusterCustomObjectStatus({ ...target, name, body: { status } }, mergePatch);
  const setSpec = (name: string, spec: Record<string, unknown>) => custom.patchClusterCustomObject({ ...target, name, body: { spec } }, mergePatch);
  const create = async (name: string, slug: string) => {
    await custom.createClusterCustomObject({ ...target, body: tenantBody(name, slug) });
    created.push(name);
  };
  /** Polls the router until `accept` holds; returns how long the change took to apply. */
  const appliedWithin = async (slug: string, accept: (r: TestResponse) => boolean): Promise<number> => {
    const started = performance.now();
    await until(`${slug} to change`, async () => (accept(await send(router!.url, { host: `${slug}.localstoreplatform.com` })) ? true : undefined), 5_000);
    return performance.now() - started;
  };

  beforeAll(async () => {
    kc.loadFromFile(process.env.KUBECONFIG!);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    [cellA, cellB] = await Promise.all([startCell("cell-a"), startCell("cell-b"), installTenantCrd(kc)]);
    router = createRouter({
      engine: TEST_ENGINE,
      baseDomains: ["localstoreplatform.com"],
      signingKey: TEST_SIGNING_KEY,
      routes: new KubernetesRouteSource({ kubeConfig: kc, log }),
      stateFile,
      adminPort: 0,
      logger: log,
    });
    await router.listen();
  });

  afterAll(async () => {
    await router?.close();
    await Promise.all(created.map((name) => custom.deleteClusterCustomObject({ ...target, name }).catch(() => {})));
    await Promise.all([cellA?.stop(), cellB?.stop()]);
  });

  it("routes a tenant once it has an endpoint, and applies each later change within 1 s", async () => {
    const slug = `${run}-pho`;
    await create(`${run}-pho`, slug);
    expect((await send(router!.url, { host: `${slug}.localstoreplatform.com` })).status).toBe(404);

    await setStatus(`${run}-pho`, { endpoint: cellA.endpoint });
    expect(await appliedWithin(slug, (r) => r.status === 200 && r.json().cell === "cell-a")).toBeLessThan(1_000);

    await setStatus(`${run}-pho`, { endpoint: cellB.endpoint });
    expect(await appliedWithin(slug, (r) => r.status === 200 && r.json().cell === "cell-b")).toBeLessThan(1_000);

    await setSpec(`${run}-pho`, { suspended: true });
    expect(await appliedWithin(slug, (r) => r.status === 403)).toBeLessThan(1_000);
    await setSpec(`${run}-pho`, { suspended: false });
    expect(await appliedWithin(slug, (r) => r.status === 200)).toBeLessThan(1_000);
  });

  it("holds requests while status.hold is true and releases them to the new endpoint", async () => {
    const slug = `${run}-move`;
    await create(`${run}-move`, slug);
    await setStatus(`${run}-move`, { endpoint: cellA.endpoint });
    await appliedWithin(slug, (r) => r.status === 200);
    await setStatus(`${run}-move`, { endpoint: cellA.endpoint, hold: true });
    await until("hold applied", async () => (router!.table.get(slug)?.spec.hold ? true : undefined));
    const held = send(router!.url, { host: `${slug}.localstoreplatform.com` });
    await sleep(300);
    await setStatus(`${run}-move`, { endpoint: cellB.endpoint, hold: false });
    const res = await held;
    expect([res.status, res.json().cell]).toEqual([200, "cell-b"]);
    expect(res.ms).toBeGreaterThanOrEqual(250);
  });

  it("routes neither Tenant when two claim the same slug", async () => {
    const slug = `${run}-twin`;
    await create(`${run}-twin-1`, slug);
    await setStatus(`${run}-twin-1`, { endpoint: cellA.endpoint });
    await appliedWithin(slug, (r) => r.status === 200);
    await create(`${run}-twin-2`, slug);
    await setStatus(`${run}-twin-2`, { endpoint: cellB.endpoint });
    expect(await appliedWithin(slug, (r) => r.status === 404)).toBeLessThan(1_000);
  });

  it("stops routing a deleted Tenant within 1 s", async () => {
    const slug = `${run}-bye`;
    await create(`${run}-bye`, slug);
    await setStatus(`${run}-bye`, { endpoint: cellA.endpoint });
    await appliedWithin(slug, (r) => r.status === 200);
    await custom.deleteClusterCustomObject({ ...target, name: `${run}-bye` });
    expect(await appliedWithin(slug, (r) => r.status === 404)).toBeLessThan(1_000);
  });

  it("serves the last known routes after a restart while the Kubernetes API is unreachable", async () => {
    const slug = `${run}-pho`;
    await appliedWithin(slug, (r) => r.status === 200 && r.json().cell === "cell-b");
    await router!.close();

    // The same cluster identity, but its API server address now leads nowhere.
    const deadPort = await freePort();
    const unreachable = new k8s.KubeConfig();
    unreachable.loadFromFile(process.env.KUBECONFIG!);
    const clusters = unreachable.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${deadPort}` }));
    unreachable.loadFromOptions({ clusters, users: unreachable.users, contexts: unreachable.contexts, currentContext: unreachable.currentContext });
    const source = new KubernetesRouteSource({ kubeConfig: unreachable, log, initialSyncTimeoutMs: 500 });
    router = createRouter({ engine: TEST_ENGINE, baseDomains: ["localstoreplatform.com"], signingKey: TEST_SIGNING_KEY, routes: source, stateFile, adminPort: 0, logger: log });
    await router.listen();

    const res = await send(router.url, { host: `${slug}.localstoreplatform.com` });
    expect([res.status, res.json().cell, res.json().tenant, res.json().verified]).toEqual([200, "cell-b", slug, true]);
    expect((await send(router.url, { host: `${run}-twin.localstoreplatform.com` })).status).toBe(404);
    expect(source.synced).toBe(false);
    expect(source.lastError).toBeDefined();
    const health = await (await fetch(`${router.adminUrl}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", source: "kubernetes", synced: false });
  });
});
