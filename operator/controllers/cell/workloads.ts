// The cell's namespace and workloads, server-side applied. Applying is skipped when nothing the
// manifests depend on changed since the last apply in this process (the informer resyncs and
// status events would otherwise re-send a dozen objects per event) — unless what was applied is
// gone: a deleted namespace or Deployment is applied again by the next reconcile.
import { createHash } from "node:crypto";
import type * as k8s from "@kubernetes/client-node";
import { cellNameProblem, type Cell } from "../../api/v1alpha1/index.js";
import { cellNamespace, Labels } from "../../names.js";
import { isNotFound } from "../../runtime/kube.js";
import type { OperatorContext } from "../context.js";
import { forgetCellDatabase } from "./database.js";
import { cellNamespaceManifest, cellWorkloads, type CellInputs, type ManifestContext } from "./manifests.js";

const REAPPLY_MS = 10 * 60_000;
/** How long the Deployment cache may lag an apply: a Deployment missing from it for longer was deleted. */
const CACHE_LAG_MS = 5_000;
/** A namespace being deleted is checked again this often, until it is gone and can be made anew. */
const TERMINATING_RETRY_MS = 5_000;
const applied = new Map<string, { hash: string; at: number }>();

const manifestContext = (ctx: OperatorContext): ManifestContext => ({ config: ctx.config, commonLabels: ctx.commonLabels });
const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

export type NamespaceOutcome = { ready: true } | { ready: false; reason: "InvalidName" | "NamespaceConflict" | "NamespaceTerminating"; message: string; retryMs?: number };

/** The Cell that controls an object, from its controller owner reference. */
const controllerOf = (o: k8s.KubernetesObject | undefined) => o?.metadata?.ownerReferences?.find((r) => r.controller && r.kind === "Cell");

// Ensure the cell's namespace exists and is this Cell's own (everything else of the cell lives in it).
export async function ensureNamespace(ctx: OperatorContext, cell: Cell): Promise<NamespaceOutcome> {
  const problem = cellNameProblem(cell.metadata.name);
  if (problem) return { ready: false, reason: "InvalidName", message: problem };
  const name = cellNamespace(cell.metadata.name);
  // The cache first; a read only when it has no such namespace (just created, or not the operator's).
  const existing = ctx.namespaces.get(name) ?? (await readNamespace(ctx, name));
  const owner = controllerOf(existing);
  if (existing?.metadata?.deletionTimestamp) {
    // Deleted (by hand, or with a previous Cell of this name): made anew once it is gone.
    return { ready: false, reason: "NamespaceTerminating", message: `namespace ${name} is being deleted; it is created again once it is gone`, retryMs: TERMINATING_RETRY_MS };
  }
  if (existing && owner?.uid !== cell.metadata.uid) {
    // Never adopted: deleting this Cell would then delete another Cell's namespace with it.
    const holder = owner ? `Cell ${owner.name} (uid ${owner.uid})` : "no Cell (it was not created by the operator)";
    return { ready: false, reason: "NamespaceConflict", message: `namespace ${name} belongs to ${holder}`, retryMs: 30_000 };
  }
  const manifest = cellNamespaceManifest(cell, manifestContext(ctx));
  const hash = digest(manifest);
  const key = `${cell.metadata.uid}/namespace`;
  const last = applied.get(key);
  if (existing && last && last.hash === hash && Date.now() - last.at < REAPPLY_MS) return { ready: true };
  // Made anew (or first seen by this process): nothing applied into a namespace of that name counts.
  if (!existing) forgetNamespaceContents(cell.metadata.uid);
  await ctx.kube.apply(manifest);
  applied.set(key, { hash, at: Date.now() });
  if (!existing) ctx.log.info({ cell: cell.metadata.name, namespace: name }, "Created Namespace");
  return { ready: true };
}

async function readNamespace(ctx: OperatorContext, name: string): Promise<k8s.V1Namespace | undefined> {
  try {
    return await ctx.kube.core.readNamespace({ name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

// Ensure the ServiceAccount, NetworkPolicy, quota, Deployments, Services and PDBs match the spec.
export async function ensureWorkloads(ctx: OperatorContext, cell: Cell, inputs: CellInputs = {}): Promise<void> {
  const objects = cellWorkloads(cell, manifestContext(ctx), inputs);
  const hash = digest(objects);
  const key = `${cell.metadata.uid}/workloads`;
  const last = applied.get(key);
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const namespace = cellNamespace(cell.metadata.name);
  const deleted = last && Date.now() - last.at > CACHE_LAG_MS && deployments.some((d) => !ctx.deployments.get(d.metadata!.name!, namespace));
  if (last && last.hash === hash && Date.now() - last.at < REAPPLY_MS && !deleted) return;
  // Two rounds of concurrent applies (a round trip of latency each instead of a dozen on a busy
  // apiserver): first what pods need to be admitted — their ServiceAccount, the quota, Secrets —
  // then the Deployments. A pod refused for a missing ServiceAccount sends its ReplicaSet into
  // kube-controller-manager's exponential backoff (up to 1,000 s), with nothing to wake it early
  // once the ServiceAccount exists: the cell would wait minutes to become Ready.
  try {
    await Promise.all(objects.filter((o) => o.kind !== "Deployment").map((object) => ctx.kube.apply(object)));
    await Promise.all(deployments.map((object) => ctx.kube.apply(object)));
    if (!cell.spec.redis.enabled) await removeRedis(ctx, cell);
  } catch (error) {
    // The namespace went away under us: the next reconcile makes it anew and applies everything.
    if (isNotFound(error)) forgetNamespace(cell.metadata.uid);
    throw error;
  }
  applied.set(key, { hash, at: Date.now() });
  ctx.log.info({ cell: cell.metadata.name, namespace, objects: objects.length }, "Applied cell workloads");
}

/** What was applied into the cell's namespace (workloads, the database Secret) must be applied again. */
function forgetNamespaceContents(uid: string | undefined): void {
  applied.delete(`${uid}/workloads`);
  forgetCellDatabase(uid);
}

/** The cell's namespace is gone (the namespace informer saw it deleted, or a write found it missing). */
export function forgetNamespace(uid: string | undefined): void {
  applied.delete(`${uid}/namespace`);
  forgetNamespaceContents(uid);
}

export function forgetWorkloads(cell: Cell): void {
  forgetNamespace(cell.metadata.uid);
}

async function removeRedis(ctx: OperatorContext, cell: Cell): Promise<void> {
  const namespace = cellNamespace(cell.metadata.name);
  const ignoreMissing = (error: unknown) => {
    if (!isNotFound(error)) throw error;
  };
  await ctx.kube.apps.deleteNamespacedDeployment({ name: "redis", namespace }).catch(ignoreMissing);
  await ctx.kube.core.deleteNamespacedService({ name: "redis", namespace }).catch(ignoreMissing);
}

export interface ComponentState {
  /** The rollout of the cell's current spec finished: every replica updated and available. */
  ready: boolean;
  /** Pods serving now, whatever their version. */
  available: number;
  /** Replicas the Deployment asks for. */
  want: number;
  /** Every replica the Deployment asks for is available (a rollout in progress keeps them: maxUnavailable 0). */
  whole: boolean;
  /** The Deployment controller acted on the cell's current spec and every replica runs it. */
  rolledOut: boolean;
  /** The Deployment controller gave up waiting for the rollout (progressDeadlineSeconds: a bad image tag, pods that never start). */
  stalled: boolean;
  message: string;
}

/** Availability of one component's Deployment, from the Deployment cache. */
export function componentState(ctx: OperatorContext, cell: Cell, component: "api" | "ml" | "redis"): ComponentState {
  const name = { api: "cell-api", ml: "cell-ml", redis: "redis" }[component];
  const d: k8s.V1Deployment | undefined = ctx.deployments.get(name, cellNamespace(cell.metadata.name));
  // Only this Cell's own: a namespace left by a deleted Cell of the same name still holds its Deployments for a while.
  const owned = d && d.metadata?.labels?.[Labels.cell] === cell.metadata.name && (!cell.metadata.uid || controllerOf(d)?.uid === cell.metadata.uid);
  if (!d || !owned) return { ready: false, available: 0, want: 0, whole: false, rolledOut: false, stalled: false, message: `Deployment ${name} not created yet` };
  const want = d.spec?.replicas ?? 1;
  // Right after an apply the cache may still hold the previous Deployment, fully available: the
  // cell's version counts only once the cached template runs it (Redis has its own image).
  const image = d.spec?.template?.spec?.containers?.[0]?.image ?? "";
  const versioned = component === "redis" || image.endsWith(`:${cell.spec.version}`);
  const current = versioned && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const available = d.status?.availableReplicas ?? 0;
  const updated = d.status?.updatedReplicas ?? 0;
  const stalled = d.status?.conditions?.some((c) => c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded") ?? false;
  // No pod serves a Deployment scaled to zero: never ready, whatever the counts say.
  if (want < 1) return { ready: false, available: 0, want, whole: false, rolledOut: current, stalled: false, message: "scaled to 0 replicas" };
  const rolledOut = current && updated >= want;
  const rollout = !current ? ` (rollout of ${cell.spec.version} pending)` : rolledOut ? "" : ` (rollout of ${cell.spec.version}: ${updated}/${want} updated${stalled ? ", stalled" : ""})`;
  return { ready: rolledOut && available >= want, available, want, whole: available >= want, rolledOut, stalled, message: `${available}/${want} replicas available${rollout}` };
}
