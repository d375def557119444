// A cell's workloads against a real apiserver, controller-manager and kwok nodes: hardened pods
// admitted under the restricted Pod Security profile and the CPU/memory quota; a tenant's route
// kept while the cell loses pods; pods rolled when a Secret they read changes; a deleted
// namespace made anew.
import { deriveCellKey } from "../../../common/cell-keys.js";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import pg from "pg";
import { GROUP, VERSION, type Cell, type Tenant } from "../../api/v1alpha1/index.js";
import type { OperatorHandle } from "../../manager.js";
import { cellNamespace, Labels, MANAGED_BY } from "../../names.js";
import { cellRedisDeployment } from "./manifests.js";
import { applyTenant, eventually, forceForget, getTenant, installCrds, isReady, startTestOperator, tenantManifest, testKube, uniqueInstance } from "../../testing/harness.js";

const kube = testKube();
const instance = uniqueInstance("c");
const tenantName = `${instance}-pho`;
const cellName = `${instance}-shared-1`;
const namespace = cellNamespace(cellName);
const KEY_A = "router-signing-key-aaaaaaaaaaaa";
const KEY_B = "router-signing-key-bbbbbbbbbbbb";
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const apply = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply);
let operator: OperatorHandle | undefined;

const getCell = () => kube.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", name: cellName }).then((c) => c as Cell, () => undefined);
const condition = (o: Cell | Tenant | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type)?.status;
const deployment = (name: string) => kube.apps.readNamespacedDeployment({ name, namespace });
const patchDeployment = (name: string, body: object) => kube.apps.patchNamespacedDeployment({ name, namespace, body, fieldManager: "lsp-tests" }, merge);
const routed = async () => {
  const t = await getTenant(kube, tenantName);
  return t?.status?.endpoint && condition(t, "Routable") === "True" ? t : undefined;
};

beforeAll(async () => {
  await installCrds(kube);
  operator = await startTestOperator(instance, { routerSigningKey: KEY_A });
  await applyTenant(kube, tenantManifest(instance, tenantName));
  await eventually(`Tenant ${tenantName} Ready`, async () => isReady(await getTenant(kube, tenantName)), 120_000);
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await forceForget(kube, instance);
});

describe("Given a cell serving a tenant", () => {
  it("runs its API, ML and Redis pods hardened to the restricted profile, which its namespace enforces", async () => {
    const ns = await kube.core.readNamespace({ name: namespace });
    expect(ns.metadata!.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
    // Every pod was admitted under that profile and the quota, and runs (kwok's nodes mark it Ready).
    const pods = await eventually("every component's pods Running and Ready", async () => {
      const list = (await kube.core.listNamespacedPod({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
      const ready = list.filter((p) => p.status?.phase === "Running" && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      const count = (component: string) => ready.filter((p) => p.metadata?.labels?.["app.kubernetes.io/component"] === component).length;
      return count("api") === 2 && count("ml") === 1 && count("redis") === 1 ? ready : undefined;
    }, 60_000);
    for (const pod of pods) {
      expect(pod.spec!.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      for (const c of pod.spec!.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(c.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources?.limits?.memory).toBeDefined();
      }
    }
    const redis = pods.find((p) => p.metadata?.labels?.["app.kubernetes.io/component"] === "redis")!;
    expect(redis.spec!.securityContext!.runAsUser).toBe(999);
    expect(redis.spec!.containers[0]!.readinessProbe?.tcpSocket).toBeDefined();
  }, 90_000);

  it("refuses a root, privileged pod in the cell namespace, and admits a hardened one that declares no resources (LimitRange)", async () => {
    const pod = (securityContext: k8s.V1SecurityContext, podSecurity: k8s.V1PodSecurityContext = {}): k8s.V1Pod => ({
      metadata: { name: `${instance}-probe` },
      spec: { securityContext: podSecurity, containers: [{ name: "c", image: "busybox", securityContext }] },
    });
    const refusal = await kube.core.createNamespacedPod({ namespace, body: pod({ privileged: true, runAsUser: 0 }), dryRun: "All" }).then(() => "", (e: k8s.ApiException<string>) => (JSON.parse(e.body) as { message: string }).message);
    expect(refusal).toMatch(/violates PodSecurity "restricted/);
    const hardened = pod({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }, { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    const admitted = await kube.core.createNamespacedPod({ namespace, body: hardened, dryRun: "All" });
    expect(admitted.spec!.containers[0]!.resources?.requests).toEqual({ cpu: "50m", memory: "64Mi" });
    const quota = await kube.core.readNamespacedResourceQuota({ name: "cell-quota", namespace });
    expect(Object.keys(quota.spec!.hard!)).toEqual(expect.arrayContaining(["requests.cpu", "requests.memory", "limits.memory"]));
    // What the cell's own pods use is counted against it.
    await eventually("quota usage counted", async () => {
      const used = (await kube.core.readNamespacedResourceQuota({ name: "cell-quota", namespace })).status?.used?.["requests.cpu"];
      return used !== undefined && used !== "0";
    });
  });

  it("keeps the tenant routed while one API pod, the ML pod and Redis are down, reporting the cell not Available", async () => {
    // Pods that can never be scheduled stand in for an eviction (one API pod of two) and for
    // crashing ML and Redis pods, without cordoning the shared test cluster's nodes.
    const nowhere = { template: { spec: { nodeSelector: { "lsp-tests/nowhere": "true" } } } };
    const lost: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const t = await getTenant(kube, tenantName);
        if (!t?.status?.endpoint && lost.length < 3) lost.push(`${new Date().toISOString()} no endpoint: ${t?.status?.conditions?.find((c) => c.type === "Routable")?.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await patchDeployment("cell-api", { spec: { strategy: { rollingUpdate: { maxUnavailable: 1 } }, ...nowhere } });
      await patchDeployment("cell-ml", { spec: { strategy: { rollingUpdate: { maxUnavailable: 1 } }, ...nowhere } });
      await patchDeployment("redis", { spec: { strategy: { type: "Recreate", rollingUpdate: null }, ...nowhere } });
      await eventually("cell-api 1/2, cell-ml 0/1 and redis 0/1 available", async () => {
        const [api, ml, redis] = await Promise.all(["cell-api", "cell-ml", "redis"].map(deployment));
        return (api!.status?.availableReplicas ?? 0) === 1 && (ml!.status?.availableReplicas ?? 0) === 0 && (redis!.status?.availableReplicas ?? 0) === 0;
      }, 60_000);
      // Long enough for the operator to have acted on it, had it unrouted the tenant.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(lost).toEqual([]);
      expect(await routed()).toBeDefined();
      const degraded = await eventually("the cell reports itself not Available", async () => {
        const c = await getCell();
        return condition(c, "Available") === "False" && /redis/.test(c!.status!.conditions!.find((x) => x.type === "Available")!.message) ? c : undefined;
      }, 30_000);
      expect(condition(degraded, "Ready")).toBe("True");
    } finally {
      sampling = false;
      await sampler;
      const restore = { template: { spec: { nodeSelector: null } } };
      await patchDeployment("cell-api", { spec: { strategy: { rollingUpdate: { maxUnavailable: 0 } }, ...restore } });
      await patchDeployment("cell-ml", { spec: { strategy: { rollingUpdate: { maxUnavailable: 0 } }, ...restore } });
      await patchDeployment("redis", { spec: restore });
    }
    expect(lost).toEqual([]);
    await eventually("the cell Available again", async () => condition(await getCell(), "Available") === "True", 60_000);
  }, 150_000);

  it("rolls the API pods when the router signing key rotates, giving the cell its own keys derived from the new and the previous master, and leaves ML alone (an operator upgrade)", async () => {
    const before = await deployment("cell-api");
    const mlBefore = await deployment("cell-ml");
    const checksum = (d: k8s.V1Deployment) => d.spec!.template.metadata?.annotations?.["localstoreplatform.com/secrets-checksum"];
    expect(checksum(before)).toMatch(/^[0-9a-f]{64}$/);
    // What the previous operator version applied: Redis with a rolling update (now Recreate).
    const cell = (await getCell())!;
    const previousRedis = cellRedisDeployment(cell, { config: { ...operator!.config }, commonLabels: { [Labels.managedBy]: MANAGED_BY, [Labels.instance]: instance } });
    previousRedis.spec!.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } as never };
    await kube.apps.patchNamespacedDeployment({ name: "redis", namespace, body: previousRedis, fieldManager: "lsp-operator", force: true }, apply);
    expect((await deployment("redis")).spec!.strategy!.type).toBe("RollingUpdate");
    const endpoint = `http://cell-api.${namespace}.svc.cluster.local:8080`;
    const platformSecret = async () => Object.fromEntries(Object.entries((await kube.core.readNamespacedSecret({ name: "cell-platform", namespace })).data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    // The cell holds its own key, never the master.
    expect((await platformSecret()).ROUTER_SIGNING_KEY).toBe(deriveCellKey(KEY_A, "router-signing", endpoint));
    // The operator restarted with a rotated key (as after a helm upgrade that changed it), the
    // replaced one kept as the previous key until the router has switched.
    await operator!.stop();
    operator = await startTestOperator(instance, { routerSigningKey: KEY_B, routerSigningKeyPrevious: KEY_A });
    await eventually("the key rotated in cell-platform", async () => {
      const data = await platformSecret();
      return data.ROUTER_SIGNING_KEY === deriveCellKey(KEY_B, "router-signing", endpoint) && data.ROUTER_SIGNING_KEY_PREVIOUS === deriveCellKey(KEY_A, "router-signing", endpoint);
    }, 60_000);
    const after = await eventually("a new API pod template", async () => {
      const d = await deployment("cell-api");
      return checksum(d) !== checksum(before) ? d : undefined;
    }, 30_000);
    expect(after.metadata!.generation).toBeGreaterThan(before.metadata!.generation!);
    expect(after.spec!.template.spec!.containers[0]!.env).toContainEqual({ name: "ROUTER_SIGNING_KEY_PREVIOUS", valueFrom: { secretKeyRef: { name: "cell-platform", key: "ROUTER_SIGNING_KEY_PREVIOUS", optional: true } } });
    expect((await deployment("cell-ml")).metadata!.generation).toBe(mlBefore.metadata!.generation);
    await eventually("Redis moved to Recreate by the new operator's apply", async () => (await deployment("redis")).spec?.strategy?.type === "Recreate");
    expect((await deployment("redis")).spec!.strategy!.rollingUpdate).toBeUndefined();
    // The rollout replaces the pods one at a time; the tenant stays routed and the cell ends Available.
    await eventually("the rollout finished", async () => {
      const d = await deployment("cell-api");
      return d.status?.observedGeneration === d.metadata?.generation && d.status?.updatedReplicas === 2 && d.status?.availableReplicas === 2 && d.status.replicas === 2;
    }, 60_000);
    expect(await routed()).toBeDefined();
    // The rotation ends: without a previous key, the cell's Secret and API pods stop carrying one.
    await operator!.stop();
    operator = await startTestOperator(instance, { routerSigningKey: KEY_B });
    await eventually("the previous key gone from cell-platform", async () => {
      const data = await platformSecret();
      return data.ROUTER_SIGNING_KEY === deriveCellKey(KEY_B, "router-signing", endpoint) && !("ROUTER_SIGNING_KEY_PREVIOUS" in data);
    }, 60_000);
    const ended = await eventually("an API pod template without the previous key", async () => {
      const d = await deployment("cell-api");
      return d.spec!.template.spec!.containers[0]!.env!.some((e) => e.name === "ROUTER_SIGNING_KEY_PREVIOUS") ? undefined : d;
    }, 30_000);
    expect(checksum(ended)).not.toBe(checksum(after));
  }, 210_000);

  it("gives a cell made before its Redis had a password one, and restarts Redis and the API with it", async () => {
    const secret = () => kube.core.readNamespacedSecret({ name: "cell-database", namespace });
    const redisChecksum = async () => (await deployment("redis")).spec!.template.metadata!.annotations?.["localstoreplatform.com/secrets-checksum"];
    expect((await secret()).data!.REDIS_PASSWORD).toBeTruthy();
    const before = await redisChecksum();
    await kube.core.patchNamespacedSecret({ name: "cell-database", namespace, body: { data: { REDIS_PASSWORD: null } } }, merge);
    // A spec change makes the operator check the database and its Secret again at once.
    await kube.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", name: cellName, body: { spec: { capacity: 101 } } }, merge);
    const password = await eventually("a Redis password in the Secret again", async () => (await secret()).data?.REDIS_PASSWORD, 60_000);
    expect(password).toBeTruthy();
    await eventually("Redis's pod template rolled with the new Secret", async () => ((await redisChecksum()) !== before ? true : undefined), 60_000);
  }, 150_000);

  it("makes its namespace anew after it was deleted — Secret, role password, workloads — and routes the tenant again", async () => {
    const old = await kube.core.readNamespace({ name: namespace });
    await kube.core.deleteNamespace({ name: namespace });
    const made = await eventually("the namespace made anew", async () => {
      const ns = await kube.core.readNamespace({ name: namespace }).catch(() => undefined);
      return ns && ns.metadata!.uid !== old.metadata!.uid && !ns.metadata!.deletionTimestamp ? ns : undefined;
    }, 150_000);
    expect(made.metadata!.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
    const t = await eventually("the tenant routed again", routed, 90_000);
    expect(t.status!.endpoint).toBe(`http://cell-api.${namespace}.svc.cluster.local:8080`);
    const deployments = (await kube.apps.listNamespacedDeployment({ namespace })).items.map((d) => d.metadata!.name).sort();
    expect(deployments).toEqual(["cell-api", "cell-ml", "redis"]);
    // A new password, written to the new Secret and set on the role: the API's login works.
    const secret = await kube.core.readNamespacedSecret({ name: "cell-database", namespace });
    const client = new pg.Client({ connectionString: Buffer.from(secret.data!.DATABASE_URL!, "base64").toString() });
    await client.connect();
    try {
      await expect(client.query("select count(*) from tenants")).resolves.toBeDefined();
    } finally {
      await client.end();
    }
  }, 270_000);
});
