import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("Given the local Kubernetes control plane", () => {
  const kc = new k8s.KubeConfig();
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  const namespace = `smoke-${process.pid}`;

  beforeAll(async () => {
    kc.loadFromFile(process.env.KUBECONFIG!);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await eventually("default ServiceAccount", () => core.readNamespacedServiceAccount({ name: "default", namespace }));
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  });

  it("reports the pinned Kubernetes version", async () => {
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(Number(version.minor)).toBeGreaterThanOrEqual(33);
  });

  it("serves a CustomResourceDefinition and its objects", async () => {
    const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const crdName = "smokes.smoke.localstoreplatform.com";
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group: "smoke.localstoreplatform.com",
          scope: "Namespaced",
          names: { plural: "smokes", singular: "smoke", kind: "Smoke" },
          versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } } } } } }],
        },
      },
    });
    try {
      await eventually("CRD Established", async () => {
        const crd = await extensions.readCustomResourceDefinition({ name: crdName });
        return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
      });
      const custom = kc.makeApiClient(k8s.CustomObjectsApi);
      const target = { group: "smoke.localstoreplatform.com", version: "v1", namespace, plural: "smokes" };
      await eventually("CRD served", () => custom.listNamespacedCustomObject(target));
      await custom.createNamespacedCustomObject({ ...target, body: { apiVersion: "smoke.localstoreplatform.com/v1", kind: "Smoke", metadata: { name: "ok" }, spec: { size: 2 } } });
      await expect(
        custom.createNamespacedCustomObject({ ...target, body: { apiVersion: "smoke.localstoreplatform.com/v1", kind: "Smoke", metadata: { name: "bad" }, spec: { size: 0 } } }),
      ).rejects.toThrow(/spec\.size/);
    } finally {
      await extensions.deleteCustomResourceDefinition({ name: crdName });
    }
  });

  it("runs a Deployment whose pod kwok makes Ready, and garbage-collects its children when it is deleted", async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "web" } },
          template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:fake" }] } },
        },
      },
    });
    await eventually("Deployment available", async () => {
      const d = await apps.readNamespacedDeployment({ name: "web", namespace });
      return d.status?.readyReplicas === 1 ? true : undefined;
    }, 90_000);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: "app=web" });
    expect(pods.items[0]?.status?.phase).toBe("Running");
    expect((await apps.listNamespacedReplicaSet({ namespace })).items).toHaveLength(1);

    await apps.deleteNamespacedDeployment({ name: "web", namespace, propagationPolicy: "Background" });
    await eventually("ReplicaSet and pods collected", async () => {
      const [rs, pod] = await Promise.all([apps.listNamespacedReplicaSet({ namespace }), core.listNamespacedPod({ namespace })]);
      return rs.items.length === 0 && pod.items.length === 0 ? true : undefined;
    }, 90_000);
  });
});
