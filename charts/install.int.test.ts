// The chart against the real apiserver: helm install (not a dry run) adopting kubectl-applied
// CRDs; the operator run with the chart's own ServiceAccount token and the environment its
// Deployment gives it (refused without one rule, then a Tenant from NOTES.txt Ready and another
// deleted with no 403); the router and the control plane's Tenant calls under their own
// ServiceAccounts; helm upgrade rolling only what changed; uninstall keeping the CRDs, the
// Tenants and the generated Secret.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { KubernetesTenantRegistry } from "../control-plane/index.js";
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
const suffix = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const instance = `h${suffix}`;
const release = `lsp${suffix}`; // contains "lsp", so object names are <release>-<component>
const namespace = `lsp-chart-${suffix}`;
const operatorName = `${release}-operator`;
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
  await kube.core.deleteNamespace({ name: namespace }).catch(() => {});
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

describe("Given the operator's ClusterRole without its Deployments rule", () => {
  it("keeps a Tenant from Ready and shows the refusal: the check below can fail on a missing verb", async () => {
    const role = await rbac.readClusterRole({ name: operatorName });
    const original = role.rules!;
    expect(original.some((r) => r.apiGroups?.includes("apps"))).toBe(true);
    await rbac.replaceClusterRole({ name: operatorName, body: { ...role, rules: original.filter((r) => !r.apiGroups?.includes("apps")) } });
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
      const current = await rbac.readClusterRole({ name: operatorName });
      await rbac.replaceClusterRole({ name: operatorName, body: { ...current, rules: original } });
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
    for (const c of ["operator", "router", "control-plane"]) {
      expect(await exists(() => readDeployment(`${release}-${c}`))).toBe(false);
      expect(await exists(() => rbac.readClusterRole({ name: `${release}-${c}` }))).toBe(false);
    }
    for (const name of crdNames) expect(await exists(() => kube.extensions.readCustomResourceDefinition({ name }))).toBe(true);
    const tenants = (await kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", labelSelector: `localstoreplatform.com/instance=${instance}` })) as { items: Tenant[] };
    expect(tenants.items.filter(isReady).map((t) => t.metadata.name)).toContain(`${instance}-denied`);
    expect(await exists(() => kube.core.readNamespacedSecret({ name: `${release}-generated`, namespace }))).toBe(true);
  }, 60_000);
});
