// The chart against the real apiserver: helm install (not a dry run) adopting kubectl-applied
// CRDs; the operator run with the chart's own ServiceAccount token and the environment its
// Deployment gives it (refused without one rule, then a Tenant from NOTES.txt Ready and another
// deleted with no 403); the router and the control plane's Tenant calls under their own
// ServiceAccounts; the admission policy refusing the operator a service-account-token Secret; the
// billing sync's and dunning's own ServiceAccounts; the same release name installed in a second
// namespace; helm upgrade rolling only what changed; uninstall keeping the CRDs, the Tenants and
// the generated Secret.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { KubernetesTenantSuspender } from "../control-plane/billing/index.js";
import { KubernetesTenantRegistry } from "../control-plane/index.js";
import { kubernetesTargets } from "../control-plane/rollups/index.js";
import { GROUP, VERSION, type Tenant } from "../operator/index.js";
import { applyTenant, eventually, forceForget, getTenant, installCrds, isReady, tenantManifest, testKube } from "../operator/testing/harness.js";
import { freePort } from "../scripts/services/processes.js";
import { CHART_DIR } from "./sync.js";
import { helm } from "./testing/helm.js";
import { podEnvironment, serviceAccountKubeconfig } from "./testing/service-account.js";

const ROOT = resolve(import.meta.dirname, "..");
const kubeconfig = process.env.KUBECONFIG!;
const kube = testKube();
const rbac = kube.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const admission = kube.kc.makeApiClient(k8s.AdmissionregistrationV1Api);
const suffix = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const instance = `h${suffix}`;
const release = `lsp${suffix}`; // contains "lsp", so object names are <release>-<component>
const namespace = `lsp-chart-${suffix}`;
const operatorName = `${release}-operator`;
/** Cluster-scoped objects (ClusterRoles, bindings, the admission policy) carry the namespace too. */
const clusterName = (component: string, ns = namespace) => `${release}-${ns}-${component}`;
const otherNamespace = `${namespace}-b`;
const podName = `${operatorName}-test-0`;
const values = { operator: { instance }, cells: { shared: { prefix: `${instance}-shared`, capacity: 2 } } };
const workDir = mkdtempSync(join(tmpdir(), "lsp-chart-install-"));
const crdNames = ["tenants.localstoreplatform.com", "cells.localstoreplatform.com"];

let operator: ChildProcess | undefined;
let operatorOutput = "";
let operatorMetricsPort = 0;
let notes = "";

const helmIn = (args: string[], v?: object) => {
  const result = helm([...args, "--namespace", namespace, "--kubeconfig", kubeconfig], v);
  if (result.status !== 0) throw new Error(`helm ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
};
const readDeployment = (name: string) => kube.apps.readNamespacedDeployment({ name, namespace });
const exists = (read: () => Promise<unknown>) => read().then(() => true, (e: unknown) => (e instanceof k8s.ApiException && e.code === 404 ? false : Promise.reject(e)));

/** The admission policy's refusal (403 naming it), or undefined when the apiserver admitted the write. */
async function refusedBy(policy: string, write: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 403 && String(error.body).includes(`ValidatingAdmissionPolicy '${policy}'`)) return String(error.body);
    throw error;
  }
}

/** Lets this release take over CRDs another installer (kubectl, an earlier test) created: Helm's adoption labels. */
async function adoptExistingCrds(): Promise<void> {
  const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
  for (const name of crdNames) {
    if (!(await exists(() => kube.extensions.readCustomResourceDefinition({ name })))) continue;
    const body = { metadata: { labels: { "app.kubernetes.io/managed-by": "Helm" }, annotations: { "meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": namespace } } };
    await kube.extensions.patchCustomResourceDefinition({ name, body }, merge);
  }
}

function startOperatorProcess(env: Record<string, string>): ChildProcess {
  const { KUBECONFIG: _admin, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "operator/main.ts"], { cwd: ROOT, env: { ...inherited, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const collect = (chunk: Buffer) => {
    operatorOutput += chunk.toString();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  return child;
}

async function stopOperatorProcess(): Promise<void> {
  const child = operator;
  operator = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    child.kill("SIGTERM");
  });
}

beforeAll(async () => {
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  // The Secrets the chart expects to exist (external Postgres and Redis), as platform ops create them.
  await kube.core.createNamespacedSecret({ namespace, body: { metadata: { name: "lsp-postgres" }, stringData: { "admin-url": process.env.DATABASE_URL!, "control-plane-url": process.env.DATABASE_URL! } } });
  await kube.core.createNamespacedSecret({ namespace, body: { metadata: { name: "lsp-redis" }, stringData: { url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" } } });
  // As on a cluster where someone ran `kubectl apply -f crds/` first: the release must adopt them.
  await installCrds(kube);
  await adoptExistingCrds();
}, 60_000);

afterAll(async () => {
  await stopOperatorProcess();
  await forceForget(kube, instance);
  helm(["uninstall", release, "--namespace", namespace, "--kubeconfig", kubeconfig]);
  helm(["uninstall", release, "--namespace", otherNamespace, "--kubeconfig", kubeconfig]);
  await kube.core.deleteNamespace({ name: namespace }).catch(() => {});
  await kube.core.deleteNamespace({ name: otherNamespace }).catch(() => {});
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe("Given the chart installed with helm into the cluster", () => {
  beforeAll(() => {
    notes = helmIn(["install", release, CHART_DIR], values);
  }, 120_000);

  it("takes over the CRDs applied earlier with kubectl: served, owned by the release, kept on uninstall", async () => {
    for (const name of crdNames) {
      const crd = await eventually(`CRD ${name} established`, async () => {
        const c = await kube.extensions.readCustomResourceDefinition({ name });
        return c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True") ? c : undefined;
      });
      expect(crd.metadata!.annotations).toMatchObject({ "helm.sh/resource-policy": "keep", "meta.helm.sh/release-name": release });
    }
  }, 60_000);

  it("creates the operator (2 replicas), router and control plane Deployments with their ServiceAccounts", async () => {
    const operatorDeployment = await readDeployment(operatorName);
    expect(operatorDeployment.spec!.replicas).toBe(2);
    for (const component of ["operator", "router", "control-plane"]) {
      const d = await readDeployment(`${release}-${component}`);
      expect(d.spec!.template.spec!.serviceAccountName).toBe(`${release}-${component}`);
      await kube.core.readNamespacedServiceAccount({ name: `${release}-${component}`, namespace });
    }
  });
});

describe("Given the operator's ServiceAccount writing Secrets, which its RBAC cannot narrow (create takes no resourceNames)", () => {
  const secretName = "cell-platform";
  // A namespace the operator manages, as a cell's is: the workloads policy refuses its writes anywhere else.
  const cellNamespace = `${namespace}-cell`;
  const policy = clusterName("operator-secrets");
  let asOperator: k8s.CoreV1Api;
  const forget = () => kube.core.deleteNamespacedSecret({ name: secretName, namespace: cellNamespace }).catch(() => {});
  const refusal = (write: () => Promise<unknown>) => refusedBy(policy, write);

  beforeAll(async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(await serviceAccountKubeconfig(kube.kc, namespace, operatorName, join(workDir, "secrets.kubeconfig")));
    asOperator = kc.makeApiClient(k8s.CoreV1Api);
    await kube.core.createNamespace({ body: { metadata: { name: cellNamespace, labels: { "app.kubernetes.io/managed-by": "lsp-operator" } } } });
  }, 30_000);

  afterAll(() => kube.core.deleteNamespace({ name: cellNamespace }).catch(() => {}));

  afterEach(forget);

  it("refuses a service-account-token Secret named cell-platform, which would hand it another ServiceAccount's token", async () => {
    const token: k8s.V1Secret = { metadata: { name: secretName, annotations: { "kubernetes.io/service-account.name": `${release}-control-plane` } }, type: "kubernetes.io/service-account-token" };
    // A new policy is enforced within a moment of its creation: until then, what got in is removed and tried again.
    const message = await eventually("the token Secret refused by the policy", async () => (await refusal(() => asOperator.createNamespacedSecret({ namespace: cellNamespace, body: token }))) ?? (await forget(), undefined), 20_000);
    expect(message).toContain("the LSP operator writes only Opaque Secrets, not kubernetes.io/service-account-token");
    expect(await exists(() => kube.core.readNamespacedSecret({ name: secretName, namespace: cellNamespace }))).toBe(false);
    // Opaque but naming a ServiceAccount: refused as well.
    const named: k8s.V1Secret = { metadata: { name: secretName, annotations: { "kubernetes.io/service-account.name": `${release}-control-plane` } }, type: "Opaque" };
    expect(await refusal(() => asOperator.createNamespacedSecret({ namespace: cellNamespace, body: named }))).toContain("names a ServiceAccount");
  }, 30_000);

  it("admits the Opaque cell-platform Secret the operator writes and its updates, but not an update naming a ServiceAccount", async () => {
    const platform: k8s.V1Secret = { metadata: { name: secretName }, type: "Opaque", stringData: { ROUTER_SIGNING_KEY: "k1" } };
    await eventually("the policy enforced", async () => (await refusal(() => asOperator.createNamespacedSecret({ namespace: cellNamespace, body: { metadata: { name: secretName }, type: "lsp.test/not-opaque" } }))) ?? (await forget(), undefined), 20_000);
    await asOperator.createNamespacedSecret({ namespace: cellNamespace, body: platform });
    const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
    await asOperator.patchNamespacedSecret({ name: secretName, namespace: cellNamespace, body: { stringData: { ROUTER_SIGNING_KEY: "k2" } } }, merge);
    const annotate = { metadata: { annotations: { "kubernetes.io/service-account.name": `${release}-control-plane` } } };
    expect(await refusal(() => asOperator.patchNamespacedSecret({ name: secretName, namespace: cellNamespace, body: annotate }, merge))).toContain("names a ServiceAccount");
    const stored = await kube.core.readNamespacedSecret({ name: secretName, namespace: cellNamespace });
    expect({ type: stored.type, key: Buffer.from(stored.data!.ROUTER_SIGNING_KEY!, "base64").toString(), annotations: stored.metadata!.annotations }).toEqual({ type: "Opaque", key: "k2", annotations: undefined });
  }, 30_000);

  it("leaves everyone else's Secrets alone: the admin still creates a service-account-token Secret", async () => {
    await kube.core.createNamespacedSecret({ namespace, body: { metadata: { name: secretName, annotations: { "kubernetes.io/service-account.name": `${release}-control-plane` } }, type: "kubernetes.io/service-account-token" } });
    expect((await kube.core.readNamespacedSecret({ name: secretName, namespace })).type).toBe("kubernetes.io/service-account-token");
    await kube.core.deleteNamespacedSecret({ name: secretName, namespace });
  });
});

describe("Given the operator's ServiceAccount writing workloads and namespaces, which its RBAC lets it do in every namespace", () => {
  const policy = clusterName("operator-workloads");
  const managed = `${namespace}-managed`;
  const unmanaged = `${namespace}-plain`;
  let asOperator: { core: k8s.CoreV1Api; apps: k8s.AppsV1Api };
  const deploymentIn = (ns: string, pod: Partial<k8s.V1PodSpec> = {}): k8s.V1Deployment => ({
    metadata: { name: "probe", namespace: ns },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "probe" } },
      template: { metadata: { labels: { app: "probe" } }, spec: { serviceAccountName: "cell", containers: [{ name: "probe", image: "registry.invalid/probe:1" }], ...pod } },
    },
  });
  const refusal = (write: () => Promise<unknown>) => refusedBy(policy, write);

  beforeAll(async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(await serviceAccountKubeconfig(kube.kc, namespace, operatorName, join(workDir, "workloads.kubeconfig")));
    asOperator = { core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api) };
    // A namespace the operator made, and one it did not (made by the admin).
    await kube.core.createNamespace({ body: { metadata: { name: managed, labels: { "app.kubernetes.io/managed-by": "lsp-operator" } } } });
    await kube.core.createNamespace({ body: { metadata: { name: unmanaged } } });
  }, 30_000);

  afterAll(async () => {
    for (const name of [managed, unmanaged, `${namespace}-made`, `${namespace}-bare`]) await kube.core.deleteNamespace({ name }).catch(() => {});
  });

  it("refuses a Deployment in a namespace it does not manage, even under the cell ServiceAccount", async () => {
    // A new policy is enforced within a moment of its creation: until then, what got in is removed and tried again.
    const message = await eventually(
      "the Deployment refused by the policy",
      async () => (await refusal(() => asOperator.apps.createNamespacedDeployment({ namespace: unmanaged, body: deploymentIn(unmanaged) }))) ?? (await kube.apps.deleteNamespacedDeployment({ name: "probe", namespace: unmanaged }), undefined),
      20_000,
    );
    expect(message).toContain(`the LSP operator writes only into namespaces it manages (app.kubernetes.io/managed-by=lsp-operator), not ${unmanaged}`);
    // Its own release namespace is not a cell's either; nor may it drop a Service there.
    expect(await refusal(() => asOperator.apps.createNamespacedDeployment({ namespace, body: deploymentIn(namespace) }))).toContain("namespaces it manages");
    expect(await refusal(() => asOperator.core.deleteNamespacedService({ name: `${release}-router`, namespace }))).toContain("namespaces it manages");
  }, 30_000);

  it("refuses a pod under another ServiceAccount, on the node's network or with a hostPath, where it may write", async () => {
    for (const pod of [{ serviceAccountName: "default" }, { hostNetwork: true }, { volumes: [{ name: "root", hostPath: { path: "/" } }] }] as Partial<k8s.V1PodSpec>[]) {
      expect([pod, await refusal(() => asOperator.apps.createNamespacedDeployment({ namespace: managed, body: deploymentIn(managed, pod) }))]).toEqual([pod, expect.stringContaining("only under the cell ServiceAccount")]);
    }
    const privileged = deploymentIn(managed);
    privileged.spec!.template.spec!.containers[0]!.securityContext = { privileged: true };
    expect(await refusal(() => asOperator.apps.createNamespacedDeployment({ namespace: managed, body: privileged }))).toContain("privileged");
    // What the operator writes is admitted.
    await asOperator.apps.createNamespacedDeployment({ namespace: managed, body: deploymentIn(managed) });
    expect(await exists(() => kube.apps.readNamespacedDeployment({ name: "probe", namespace: managed }))).toBe(true);
  }, 30_000);

  it("creates namespaces only with its label, and adds that label to none", async () => {
    expect(await refusal(() => asOperator.core.createNamespace({ body: { metadata: { name: `${namespace}-bare` } } }))).toContain("labelled app.kubernetes.io/managed-by=lsp-operator");
    await asOperator.core.createNamespace({ body: { metadata: { name: `${namespace}-made`, labels: { "app.kubernetes.io/managed-by": "lsp-operator" } } } });
    const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
    expect(await refusal(() => asOperator.core.patchNamespace({ name: unmanaged, body: { metadata: { labels: { "app.kubernetes.io/managed-by": "lsp-operator" } } } }, merge))).toContain("adds that label to none");
    expect((await kube.core.readNamespace({ name: unmanaged })).metadata!.labels?.["app.kubernetes.io/managed-by"]).toBeUndefined();
  }, 30_000);
});

describe("Given the operator's ClusterRole without its Deployments rule", () => {
  it("keeps a Tenant from Ready and shows the refusal: the check below can fail on a missing verb", async () => {
    const role = await rbac.readClusterRole({ name: clusterName("operator") });
    const original = role.rules!;
    expect(original.some((r) => r.apiGroups?.includes("apps"))).toBe(true);
    await rbac.replaceClusterRole({ name: clusterName("operator"), body: { ...role, rules: original.filter((r) => !r.apiGroups?.includes("apps")) } });
    try {
      const saKubeconfig = await serviceAccountKubeconfig(kube.kc, namespace, operatorName, join(workDir, "denied.kubeconfig"));
      const port = await freePort();
      operator = startOperatorProcess({ ...(await podEnvironment(kube.kc, await readDeployment(operatorName), podName)), KUBECONFIG: saKubeconfig, HTTP_PORT: String(port), LOG_LEVEL: "debug" });
      const name = `${instance}-denied`;
      await applyTenant(kube, tenantManifest(instance, name));
      await eventually("a 403 from the apiserver", async () => {
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
        return /rest_client_requests_total\{code="403"/.test(metrics) || /forbidden|HTTP-Code: 403/i.test(operatorOutput);
      }, 30_000);
      expect(isReady(await getTenant(kube, name))).toBe(false);
    } finally {
      await stopOperatorProcess();
      operatorOutput = "";
      const current = await rbac.readClusterRole({ name: clusterName("operator") });
      await rbac.replaceClusterRole({ name: clusterName("operator"), body: { ...current, rules: original } });
    }
  }, 90_000);
});

describe("Given the operator running with the chart's ServiceAccount token and its Deployment's environment", () => {
  let env: Record<string, string>;

  beforeAll(async () => {
    const saKubeconfig = await serviceAccountKubeconfig(kube.kc, namespace, operatorName, join(workDir, "operator.kubeconfig"));
    operatorMetricsPort = await freePort();
    // Debug level so a refused call that the operator only logs (an Event, say) still shows up here.
    env = { ...(await podEnvironment(kube.kc, await readDeployment(operatorName), podName)), KUBECONFIG: saKubeconfig, HTTP_PORT: String(operatorMetricsPort), LOG_LEVEL: "debug" };
    operator = startOperatorProcess(env);
  }, 60_000);

  it("takes the leader Lease in the release namespace", async () => {
    expect(env).toMatchObject({ LEASE_NAMESPACE: namespace, OPERATOR_INSTANCE: instance, LEADER_ELECTION: "true", PLATFORM_DATABASE_URL: process.env.DATABASE_URL });
    const lease = await eventually("operator Lease held", async () => {
      const l = await kube.coordination.readNamespacedLease({ name: operatorName, namespace }).catch(() => undefined);
      return l?.spec?.holderIdentity === podName ? l : undefined;
    }, 60_000);
    expect(lease.spec!.holderIdentity).toBe(podName);
  }, 90_000);

  it("reconciles the Tenant printed by NOTES.txt to Ready, with no request refused", async () => {
    const printed = /cat <<'YAML' \| kubectl apply -f -\n([\s\S]*?)\nYAML/.exec(notes)?.[1];
    expect(printed).toBeDefined();
    const tenant = parse(printed!) as Tenant;
    expect(tenant.metadata.labels).toEqual({ "localstoreplatform.com/instance": instance });
    const name = `${instance}-pho-bo`;
    await applyTenant(kube, { ...tenant, metadata: { ...tenant.metadata, name }, spec: { ...tenant.spec, slug: name } });
    const ready = await eventually(`Tenant ${name} Ready`, async () => {
      const t = await getTenant(kube, name);
      return isReady(t) ? t : undefined;
    }, 150_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\noperator output (last 4 kB):\n${operatorOutput.slice(-4096)}`);
    });
    expect(ready.status?.cell).toBe(`${instance}-shared-1`);
    expect(ready.status?.url).toBe(`https://${name}.localstoreplatform.com`);
    const metrics = await (await fetch(`http://127.0.0.1:${operatorMetricsPort}/metrics`)).text();
    expect(metrics).toMatch(/rest_client_requests_total\{code="200"/);
    expect(metrics).not.toMatch(/rest_client_requests_total\{code="403"/);
    expect(operatorOutput).not.toMatch(/forbidden|HTTP-Code: 403/i);
  }, 180_000);
});

describe("Given a Tenant deleted while that operator runs", () => {
  it("archives it through its finalizer and lets it go, with no request refused; the other Tenant stays Ready", async () => {
    const name = `${instance}-pho-bo`;
    const denied = `${instance}-denied`;
    // Refused earlier, it must recover once the rule is back: reconciles are level-triggered.
    await eventually(`Tenant ${denied} Ready`, async () => isReady(await getTenant(kube, denied)), 90_000);
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name });
    await eventually(`Tenant ${name} gone`, async () => (await getTenant(kube, name)) === undefined, 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\noperator output (last 4 kB):\n${operatorOutput.slice(-4096)}`);
    });
    const metrics = await (await fetch(`http://127.0.0.1:${operatorMetricsPort}/metrics`)).text();
    expect(metrics).toMatch(/rest_client_requests_total\{code="200",method="PATCH"/);
    expect(metrics).not.toMatch(/rest_client_requests_total\{code="403"/);
    expect(operatorOutput).not.toMatch(/forbidden|HTTP-Code: 403/i);
  }, 180_000);
});

describe("Given the router running with the chart's router ServiceAccount token and its Deployment's settings", () => {
  it("lists and watches Tenants into a synced route table", async () => {
    const name = `${release}-router`;
    const deployment = await readDeployment(name);
    const saKubeconfig = await serviceAccountKubeconfig(kube.kc, namespace, name, join(workDir, "router.kubeconfig"));
    const [port, adminPort] = [await freePort(), await freePort()];
    // The Deployment's own flags, with ports and the state file moved off what a pod would own.
    const local: Record<string, string> = { "--port": String(port), "--admin-port": String(adminPort), "--state-file": join(workDir, "routes.json") };
    const args = deployment.spec!.template.spec!.containers[0]!.args!.map((a) => {
      const [flag] = a.split("=", 1);
      return flag && local[flag] ? `${flag}=${local[flag]}` : a;
    });
    expect(args).toEqual(expect.arrayContaining(["--source=kubernetes", "--domain=localstoreplatform.com"]));
    const env = { ...(await podEnvironment(kube.kc, deployment, `${name}-test-0`)), KUBECONFIG: saKubeconfig };
    const { KUBECONFIG: _admin, ...inherited } = process.env;
    const router = spawn(process.execPath, ["--import", "tsx", "router/main.ts", ...args], { cwd: ROOT, env: { ...inherited, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    router.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    router.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    try {
      const health = await eventually("router synced with a route", async () => {
        const h = (await fetch(`http://127.0.0.1:${adminPort}/healthz`).then((r) => r.json(), () => undefined)) as { synced?: boolean; routes?: number } | undefined;
        return h?.synced && (h.routes ?? 0) >= 1 ? h : undefined;
      }, 30_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\nrouter output:\n${output.slice(-4096)}`);
      });
      expect(health).toMatchObject({ synced: true });
      expect(output).not.toMatch(/forbidden|HTTP-Code: 403/i);
    } finally {
      router.kill("SIGTERM");
    }
  }, 60_000);
});

describe("Given the control plane's Tenant calls made with the chart's control-plane ServiceAccount token", () => {
  it("creates a Tenant, checks its slug and suspends it; anything else is refused", async () => {
    const name = `${release}-control-plane`;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(await serviceAccountKubeconfig(kube.kc, namespace, name, join(workDir, "control-plane.kubeconfig")));
    const registry = new KubernetesTenantRegistry(kc);
    const slug = `${instance}-signup`;
    await registry.create(tenantManifest(instance, slug));
    expect(await registry.isSlugTaken(slug)).toBe(true);
    // What control-plane/billing/suspension.ts sends to suspend a tenant.
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
    await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: slug, body: { spec: { suspended: true } } }, merge);
    expect((await getTenant(kube, slug))?.spec.suspended).toBe(true);
    await expect(custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: slug })).rejects.toMatchObject({ code: 403 });
    await expect(custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells" })).rejects.toMatchObject({ code: 403 });
  });
});

describe("Given the billing sync's and dunning's calls made with their own ServiceAccount tokens", () => {
  // A Tenant placed by hand as the operator would, labelled for no running operator so nobody rewrites it.
  const slug = `${instance}-billed`;
  const status = { cell: `${instance}-shared-9`, endpoint: `http://cell-api.cell-${instance}-shared-9.svc:8080` };
  const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
  const tenants = { group: GROUP, version: VERSION, plural: "tenants" };
  const kubeconfigOf = async (component: string) => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(await serviceAccountKubeconfig(kube.kc, namespace, `${release}-${component}`, join(workDir, `${component}.kubeconfig`)));
    return kc;
  };

  beforeAll(async () => {
    await applyTenant(kube, tenantManifest(`${instance}-nobody`, slug));
    await kube.custom.patchClusterCustomObjectStatus({ ...tenants, name: slug, body: { status } }, merge);
  });

  afterAll(async () => {
    await kube.custom.deleteClusterCustomObject({ ...tenants, name: slug }).catch(() => {});
  });

  it("lets the sync list Tenants to find their cells and do nothing else", async () => {
    expect((await readDeployment(`${release}-billing-sync`)).spec!.template.spec!.serviceAccountName).toBe(`${release}-billing-sync`);
    const kc = await kubeconfigOf("billing-sync");
    expect(await kubernetesTargets(kc)()).toContainEqual({ tenantSlug: slug, cell: status.cell, baseUrl: status.endpoint });
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await expect(custom.patchClusterCustomObject({ ...tenants, name: slug, body: { spec: { suspended: true } } }, merge)).rejects.toMatchObject({ code: 403 });
    await expect(custom.getClusterCustomObject({ ...tenants, name: slug })).rejects.toMatchObject({ code: 403 });
    await expect(custom.listClusterCustomObject({ ...tenants, plural: "cells" })).rejects.toMatchObject({ code: 403 });
  });

  it("lets dunning set spec.suspended on a Tenant and do nothing else", async () => {
    const kc = await kubeconfigOf("billing-dunning");
    const suspender = new KubernetesTenantSuspender(kc);
    await suspender.setSuspended(slug, true, "unpaid");
    expect((await getTenant(kube, slug))?.spec.suspended).toBe(true);
    await suspender.setSuspended(slug, false, "paid");
    expect((await getTenant(kube, slug))?.spec.suspended).toBe(false);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await expect(custom.listClusterCustomObject(tenants)).rejects.toMatchObject({ code: 403 });
    await expect(custom.getClusterCustomObject({ ...tenants, name: slug })).rejects.toMatchObject({ code: 403 });
    await expect(custom.createClusterCustomObject({ ...tenants, body: tenantManifest(`${instance}-nobody`, `${slug}-2`) })).rejects.toMatchObject({ code: 403 });
  });
});

describe("Given the same release name installed into a second namespace", () => {
  beforeAll(async () => {
    await kube.core.createNamespace({ body: { metadata: { name: otherNamespace } } });
  });

  it("installs beside the first (one release owns the CRDs), binding its own ServiceAccounts, and uninstalls leaving the first's RBAC", async () => {
    const other = helm(["install", release, CHART_DIR, "--namespace", otherNamespace, "--kubeconfig", kubeconfig], { ...values, crds: { create: false } });
    expect(other.stderr).not.toMatch(/exists and cannot be imported|invalid ownership metadata/);
    expect(other.status).toBe(0);
    for (const c of ["operator", "router", "control-plane", "billing-sync", "billing-dunning"]) {
      const [mine, theirs] = await Promise.all([rbac.readClusterRoleBinding({ name: clusterName(c) }), rbac.readClusterRoleBinding({ name: clusterName(c, otherNamespace) })]);
      expect(mine.subjects).toEqual([{ kind: "ServiceAccount", name: `${release}-${c}`, namespace }]);
      expect(theirs.subjects).toEqual([{ kind: "ServiceAccount", name: `${release}-${c}`, namespace: otherNamespace }]);
    }
    const uninstall = helm(["uninstall", release, "--namespace", otherNamespace, "--kubeconfig", kubeconfig, "--wait"]);
    expect(uninstall.status).toBe(0);
    expect(await exists(() => rbac.readClusterRole({ name: clusterName("operator", otherNamespace) }))).toBe(false);
    expect(await exists(() => rbac.readClusterRole({ name: clusterName("operator") }))).toBe(true);
    expect(await exists(() => admission.readValidatingAdmissionPolicy({ name: clusterName("operator-secrets") }))).toBe(true);
  }, 120_000);
});

describe("Given helm upgrade with router.logLevel changed", () => {
  const components = ["operator", "router", "control-plane"] as const;
  const before = new Map<string, k8s.V1Deployment>();
  let secretBefore: Record<string, string> | undefined;

  beforeAll(async () => {
    for (const c of components) before.set(c, await readDeployment(`${release}-${c}`));
    secretBefore = (await kube.core.readNamespacedSecret({ name: `${release}-generated`, namespace })).data;
    helmIn(["upgrade", release, CHART_DIR, "--reuse-values"], { router: { logLevel: "debug" } });
  }, 120_000);

  it("changes the router's pod template and leaves the operator's and control plane's untouched", async () => {
    const router = await readDeployment(`${release}-router`);
    expect(router.metadata!.generation).toBe(before.get("router")!.metadata!.generation! + 1);
    expect(router.spec!.template.spec!.containers[0]!.env).toContainEqual({ name: "LOG_LEVEL", value: "debug" });
    for (const c of ["operator", "control-plane"] as const) {
      const d = await readDeployment(`${release}-${c}`);
      expect({ c, generation: d.metadata!.generation, template: d.spec!.template }).toEqual({ c, generation: before.get(c)!.metadata!.generation, template: before.get(c)!.spec!.template });
    }
  });

  it("keeps the generated signing key and OTP pepper", async () => {
    const after = (await kube.core.readNamespacedSecret({ name: `${release}-generated`, namespace })).data;
    expect(after).toEqual(secretBefore);
  });
});

describe("Given helm uninstall", () => {
  beforeAll(async () => {
    await stopOperatorProcess();
    helmIn(["uninstall", release, "--wait"]);
  }, 120_000);

  it("removes the workloads and RBAC but keeps the CRDs, the Tenants and the generated Secret", async () => {
    for (const c of ["operator", "router", "control-plane"]) expect(await exists(() => readDeployment(`${release}-${c}`))).toBe(false);
    for (const c of ["operator", "router", "control-plane", "billing-sync", "billing-dunning"]) expect(await exists(() => rbac.readClusterRole({ name: clusterName(c) }))).toBe(false);
    expect(await exists(() => admission.readValidatingAdmissionPolicy({ name: clusterName("operator-secrets") }))).toBe(false);
    for (const name of crdNames) expect(await exists(() => kube.extensions.readCustomResourceDefinition({ name }))).toBe(true);
    const tenants = (await kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", labelSelector: `localstoreplatform.com/instance=${instance}` })) as { items: Tenant[] };
    expect(tenants.items.filter(isReady).map((t) => t.metadata.name)).toContain(`${instance}-denied`);
    expect(await exists(() => kube.core.readNamespacedSecret({ name: `${release}-generated`, namespace }))).toBe(true);
  }, 60_000);
});
