import { describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { pino } from "pino";
import type { Cell } from "../../api/v1alpha1/index.js";
import { Labels } from "../../names.js";
import type { OperatorContext } from "../context.js";
import { componentState, ensureNamespace, ensureWorkloads, forgetNamespace } from "./workloads.js";

const cell = { metadata: { name: "shared-1" }, spec: { version: "1.5.0" } } as unknown as Cell;

function contextWith(deployment: Partial<k8s.V1Deployment>): OperatorContext {
  const d = { metadata: { labels: { [Labels.cell]: "shared-1" }, generation: 3 }, ...deployment } as k8s.V1Deployment;
  return { deployments: { get: () => d } } as unknown as OperatorContext;
}

const running = (image: string, replicas: number, available: number, updated = available): Partial<k8s.V1Deployment> => ({
  metadata: { labels: { [Labels.cell]: "shared-1" }, generation: 3 },
  spec: { replicas, selector: {}, template: { spec: { containers: [{ name: "api", image }] } } },
  status: { observedGeneration: 3, availableReplicas: available, updatedReplicas: updated },
});

describe("Given a cell component's Deployment in the cache", () => {
  it("is ready when the cell's version runs on every replica", () => {
    expect(componentState(contextWith(running("lsp/cell:1.5.0", 2, 2)), cell, "api")).toMatchObject({ ready: true, whole: true, rolledOut: true, available: 2, want: 2, message: "2/2 replicas available" });
  });

  it("is not ready while the cache still shows the previous version fully available (right after the apply)", () => {
    const state = componentState(contextWith(running("lsp/cell:1.4.0", 2, 2)), cell, "api");
    expect(state).toMatchObject({ ready: false, whole: true, rolledOut: false, available: 2, message: "2/2 replicas available (rollout of 1.5.0 pending)" });
  });

  it("is never ready scaled to zero: no pod would serve its tenants", () => {
    expect(componentState(contextWith(running("lsp/cell:1.5.0", 0, 0)), cell, "api")).toMatchObject({ ready: false, available: 0, whole: false, message: "scaled to 0 replicas" });
  });

  it("counts a pod lost after the rollout as missing availability, not as a rollout", () => {
    expect(componentState(contextWith(running("lsp/cell:1.5.0", 2, 1, 2)), cell, "api")).toMatchObject({ ready: false, whole: false, rolledOut: true, available: 1 });
  });

  it("reports a rollout the Deployment controller gave up on (ProgressDeadlineExceeded)", () => {
    const stuck = running("lsp/cell:1.5.0", 2, 2, 1);
    stuck.status!.conditions = [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "" }];
    expect(componentState(contextWith(stuck), cell, "api")).toMatchObject({ ready: false, whole: true, rolledOut: false, stalled: true });
  });

  it("ignores a Deployment another Cell of the same name owns (a deleted Cell's namespace not yet gone)", () => {
    const owned = { ...cell, metadata: { ...cell.metadata, uid: "new" } } as Cell;
    const previous = running("lsp/cell:1.5.0", 2, 2);
    previous.metadata!.ownerReferences = [{ apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", name: "shared-1", uid: "old", controller: true }];
    expect(componentState(contextWith(previous), owned, "api")).toMatchObject({ available: 0, message: "Deployment cell-api not created yet" });
  });
});

// ensureNamespace and ensureWorkloads against a recording fake of the apiserver and the caches.
function fakeCluster(name = "shared-2", uid = `uid-${Math.random()}`) {
  const c = { apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", metadata: { name, uid, generation: 1 }, spec: { class: "shared", capacity: 10, version: "0.1.0", api: { replicas: 2 }, ml: { replicas: 1 }, redis: { enabled: true }, deletionPolicy: "Retain" } } as Cell;
  const namespaces = new Map<string, k8s.V1Namespace>();
  const deployments = new Map<string, k8s.V1Deployment>();
  const applied: string[] = [];
  const notFound = () => new k8s.ApiException(404, "not found", "{}", {});
  const ctx = {
    config: { cellImageRepository: "lsp/cell", mlImageRepository: "lsp/cell-ml", redisImage: "redis:8.2-alpine" },
    commonLabels: { [Labels.managedBy]: "lsp-operator" },
    log: pino({ level: "silent" }),
    namespaces: { get: (n: string) => namespaces.get(n) },
    deployments: { get: (n: string) => deployments.get(n) },
    kube: {
      core: {
        readNamespace: async ({ name: n }: { name: string }) => {
          const ns = namespaces.get(n);
          if (!ns) throw notFound();
          return ns;
        },
      },
      apply: async (o: k8s.KubernetesObject) => {
        applied.push(`${o.kind}/${o.metadata!.name}`);
        if (o.kind === "Namespace") namespaces.set(o.metadata!.name!, { ...o, metadata: { ...o.metadata, uid: `ns-${applied.length}` } });
        else if (!namespaces.has(o.metadata!.namespace!)) throw notFound();
        if (o.kind === "Deployment") deployments.set(o.metadata!.name!, o as k8s.V1Deployment);
        return o;
      },
    },
  } as unknown as OperatorContext;
  return { cell: c, ctx, namespaces, deployments, applied };
}

describe("Given a Cell whose namespace the operator already made", () => {
  it("applies it once, then not again while it stands", async () => {
    const { cell: c, ctx, applied } = fakeCluster();
    expect(await ensureNamespace(ctx, c)).toEqual({ ready: true });
    expect(await ensureNamespace(ctx, c)).toEqual({ ready: true });
    expect(applied).toEqual(["Namespace/cell-shared-2"]);
  });

  it("makes it anew at the next reconcile once it was deleted, and everything in it with it", async () => {
    const { cell: c, ctx, namespaces, deployments, applied } = fakeCluster();
    await ensureNamespace(ctx, c);
    await ensureWorkloads(ctx, c);
    const firstRound = applied.length;
    // kubectl delete namespace cell-shared-2: the namespace informer's delete event forgets it.
    namespaces.clear();
    deployments.clear();
    forgetNamespace(c.metadata.uid);
    expect(await ensureNamespace(ctx, c)).toEqual({ ready: true });
    await ensureWorkloads(ctx, c);
    expect(namespaces.has("cell-shared-2")).toBe(true);
    expect(applied.slice(firstRound)).toEqual(applied.slice(0, firstRound));
  });

  it("makes it anew even when no delete event arrived (the cache no longer has it, nor the apiserver)", async () => {
    const { cell: c, ctx, namespaces, applied } = fakeCluster();
    await ensureNamespace(ctx, c);
    namespaces.clear();
    await ensureNamespace(ctx, c);
    expect(applied).toEqual(["Namespace/cell-shared-2", "Namespace/cell-shared-2"]);
  });

  it("waits while it is being deleted, then makes it anew", async () => {
    const { cell: c, ctx, namespaces } = fakeCluster();
    await ensureNamespace(ctx, c);
    namespaces.get("cell-shared-2")!.metadata!.deletionTimestamp = new Date();
    expect(await ensureNamespace(ctx, c)).toMatchObject({ ready: false, reason: "NamespaceTerminating", retryMs: 5_000 });
  });

  it("never takes a namespace another Cell owns, nor one the operator did not make", async () => {
    const { cell: c, ctx, namespaces, applied } = fakeCluster("foo-bar");
    namespaces.set("cell-foo-bar", { metadata: { name: "cell-foo-bar", ownerReferences: [{ apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", name: "foo.bar", uid: "other", controller: true }] } });
    expect(await ensureNamespace(ctx, c)).toMatchObject({ ready: false, reason: "NamespaceConflict", message: "namespace cell-foo-bar belongs to Cell foo.bar (uid other)" });
    namespaces.set("cell-foo-bar", { metadata: { name: "cell-foo-bar" } });
    expect(await ensureNamespace(ctx, c)).toMatchObject({ ready: false, reason: "NamespaceConflict" });
    expect(applied).toEqual([]);
  });

  it("writes nothing for a name that does not map one-to-one onto a namespace", async () => {
    const { cell: c, ctx, applied } = fakeCluster("foo.bar");
    expect(await ensureNamespace(ctx, c)).toMatchObject({ ready: false, reason: "InvalidName" });
    const { cell: long, ctx: ctx2 } = fakeCluster("a".repeat(59));
    expect(await ensureNamespace(ctx2, long)).toMatchObject({ ready: false, reason: "InvalidName", message: expect.stringContaining("longer than 58") });
    expect(applied).toEqual([]);
  });
});

describe("Given a Cell whose workloads were applied", () => {
  it("applies them again when one of its Deployments was deleted, not only after the periodic re-apply", async () => {
    const { cell: c, ctx, deployments, applied } = fakeCluster();
    await ensureNamespace(ctx, c);
    const now = Date.now();
    await ensureWorkloads(ctx, c);
    const first = applied.length;
    await ensureWorkloads(ctx, c);
    expect(applied).toHaveLength(first);
    deployments.delete("cell-ml");
    const clock = Date.now;
    Date.now = () => now + 10_000;
    try {
      await ensureWorkloads(ctx, c);
    } finally {
      Date.now = clock;
    }
    expect(applied.slice(first)).toContain("Deployment/cell-ml");
  });

  it("forgets its namespace when an apply finds it gone, so the next reconcile makes it anew", async () => {
    const { cell: c, ctx, namespaces, applied } = fakeCluster();
    await ensureNamespace(ctx, c);
    namespaces.clear();
    // The informer still shows it (its delete event not here yet): the apply into it fails with 404.
    (ctx.namespaces as unknown as { get: () => k8s.V1Namespace }).get = () => ({ metadata: { name: "cell-shared-2", ownerReferences: [{ apiVersion: "", kind: "Cell", name: "shared-2", uid: c.metadata.uid!, controller: true }] } });
    await expect(ensureWorkloads(ctx, c)).rejects.toThrow();
    const before = applied.length;
    await ensureNamespace(ctx, c);
    expect(applied.slice(before)).toEqual(["Namespace/cell-shared-2"]);
  });
});
