import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OperatorHandle } from "./manager.js";
import { operatorRbacRules } from "./rbac.js";
import { applyTenant, eventually, forceForget, getTenant, installCrds, isReady, startTestOperator, tenantManifest, testKube, uniqueInstance } from "./testing/harness.js";

describe("Given the operator running as a ServiceAccount bound only to operatorRbacRules", () => {
  const kube = testKube();
  const instance = uniqueInstance("r");
  const namespace = "default";
  const account = `lsp-operator-${instance}`;
  let operator: OperatorHandle | undefined;
  let kubeconfig = "";
  const rbac = () => import("@kubernetes/client-node").then((k) => kube.kc.makeApiClient(k.RbacAuthorizationV1Api));

  beforeAll(async () => {
    await installCrds(kube);
    const api = await rbac();
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: account } } });
    await api.createClusterRole({ body: { metadata: { name: account }, rules: operatorRbacRules } });
    await api.createClusterRoleBinding({
      body: { metadata: { name: account }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: account }, subjects: [{ kind: "ServiceAccount", name: account, namespace }] },
    });
    const token = await kube.core.createNamespacedServiceAccountToken({ name: account, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const cluster = kube.kc.getCurrentCluster()!;
    kubeconfig = join(tmpdir(), `${account}.kubeconfig`);
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: cluster.server, "certificate-authority-data": cluster.caData } }],
      users: [{ name: account, user: { token: token.status!.token } }],
      contexts: [{ name: "c", context: { cluster: "c", user: account } }],
      "current-context": "c",
    }));
    operator = await startTestOperator(instance, { kubeconfig });
  }, 60_000);

  afterAll(async () => {
    await operator?.stop();
    await forceForget(kube, instance);
    const api = await rbac();
    await api.deleteClusterRoleBinding({ name: account }).catch(() => {});
    await api.deleteClusterRole({ name: account }).catch(() => {});
    await kube.core.deleteNamespacedServiceAccount({ name: account, namespace }).catch(() => {});
  });

  it("can place, provision and serve a tenant, and delete it — the list is sufficient", async () => {
    const name = `${instance}-rbac`;
    await applyTenant(kube, tenantManifest(instance, name, { plan: "chain", isolation: "dedicated", deletionPolicy: "Delete" }));
    await eventually("tenant Ready", async () => isReady(await getTenant(kube, name)), 120_000);
    await kube.custom.deleteClusterCustomObject({ group: "localstoreplatform.com", version: "v1alpha1", plural: "tenants", name });
    await eventually("tenant gone", async () => (await getTenant(kube, name)) === undefined, 60_000);
    const errors = (await operator!.metrics.registry.getSingleMetricAsString("rest_client_requests_total")).split("\n").filter((l) => /code="403"/.test(l));
    expect(errors).toEqual([]);
  }, 180_000);

  it("cannot read or change a Secret that is not one of a cell's own", async () => {
    const other = `${instance}-not-the-operators`;
    await kube.core.createNamespacedSecret({ namespace, body: { metadata: { name: other }, stringData: { password: "p" } } });
    try {
      const k8s = await import("@kubernetes/client-node");
      const asOperator = new k8s.KubeConfig();
      asOperator.loadFromFile(kubeconfig);
      const core = asOperator.makeApiClient(k8s.CoreV1Api);
      const status = (e: unknown) => (e as { code?: number }).code;
      await expect(core.readNamespacedSecret({ name: other, namespace }).catch(status)).resolves.toBe(403);
      await expect(core.listNamespacedSecret({ namespace }).catch(status)).resolves.toBe(403);
      await expect(core.patchNamespacedSecret({ name: other, namespace, body: [{ op: "replace", path: "/data/password", value: "eA==" }] }).catch(status)).resolves.toBe(403);
    } finally {
      await kube.core.deleteNamespacedSecret({ name: other, namespace }).catch(() => {});
    }
  });
});
