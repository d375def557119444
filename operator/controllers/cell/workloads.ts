// The cell's namespace and workloads, server-side applied. Applying is skipped when nothing the
// manifests depend on changed since the last apply in this process (the informer resyncs and
// status events would otherwise re-send a dozen objects per event).
import { createHash } from "node:crypto";
import type * as k8s from "@kubernetes/client-node";
import type { Cell } from "../../api/v1alpha1/index.js";
import { cellNamespace, Labels } from "../../names.js";
import { isNotFound } from "../../runtime/kube.js";
import type { OperatorContext } from "../context.js";
import { cellNamespaceManifest, cellWorkloads, type ManifestContext } from "./manifests.js";

const REAPPLY_MS = 10 * 60_000;
const applied = new Map<string, { hash: string; at: number }>();

const manifestContext = (ctx: OperatorContext): ManifestContext => ({ config: ctx.config, commonLabels: ctx.commonLabels });

// Ensure the cell's namespace exists (everything else of the cell lives in it).
export async function ensureNamespace(ctx: OperatorContext, cell: Cell): Promise<void> {
  if (applied.has(`${cell.metadata.uid}/namespace`)) return;
  await ctx.kube.apply(cellNamespaceManifest(cell, manifestContext(ctx)));
  applied.set(`${cell.metadata.uid}/namespace`, { hash: "", at: Date.now() });
}

// Ensure the ServiceAccount, NetworkPolicy, quota, Deployments, Services and PDBs match the spec.
export async function ensureWorkloads(ctx: OperatorContext, cell: Cell): Promise<void> {
  const objects = cellWorkloads(cell, manifestContext(ctx));
  const hash = createHash("sha256").update(JSON.stringify(objects)).digest("hex");
  const key = `${cell.metadata.uid}/workloads`;
  const last = applied.get(key);
  if (last && last.hash === hash && Date.now() - last.at < REAPPLY_MS) return;
  // Two rounds of concurrent applies (a round trip of latency each instead of a dozen on a busy
  // apiserver): first what pods need to be admitted — their ServiceAccount, the quota, Secrets —
  // then the Deployments. A pod refused for a missing ServiceAccount sends its ReplicaSet into
  // kube-controller-manager's exponential backoff (up to 1,000 s), with nothing to wake it early
  // once the ServiceAccount exists: the cell would wait minutes to become Ready.
  const deployments = objects.filter((o) => o.kind === "Deployment");
  await Promise.all(objects.filter((o) => o.kind !== "Deployment").map((object) => ctx.kube.apply(object)));
  await Promise.all(deployments.map((object) => ctx.kube.apply(object)));
  if (!cell.spec.redis.enabled) await removeRedis(ctx, cell);
  applied.set(key, { hash, at: Date.now() });
  ctx.log.info({ cell: cell.metadata.name, namespace: cellNamespace(cell.metadata.name), objects: objects.length }, "Applied cell workloads");
}

export function forgetWorkloads(cell: Cell): void {
  applied.delete(`${cell.metadata.uid}/namespace`);
  applied.delete(`${cell.metadata.uid}/workloads`);
}

async function removeRedis(ctx: OperatorContext, cell: Cell): Promise<void> {
  const namespace = cellNamespace(cell.metadata.name);
  const ignoreMissing = (error: unknown) => {
    if (!isNotFound(error)) throw error;
  };
  await ctx.kube.apps.deleteNamespacedDeployment({ name: "redis", namespace }).catch(ignoreMissing);
  await ctx.kube.core.deleteNamespacedService({ name: "redis", namespace }).catch(ignoreMissing);
}

export type ComponentState = { ready: boolean; message: string };

/** Availability of one component's Deployment, from the Deployment cache. */
export function componentState(ctx: OperatorContext, cell: Cell, component: "api" | "ml" | "redis"): ComponentState {
  const name = { api: "cell-api", ml: "cell-ml", redis: "redis" }[component];
  const d: k8s.V1Deployment | undefined = ctx.deployments.get(name, cellNamespace(cell.metadata.name));
  if (!d || d.metadata?.labels?.[Labels.cell] !== cell.metadata.name) return { ready: false, message: `Deployment ${name} not created yet` };
  const want = d.spec?.replicas ?? 1;
  // Right after an apply the cache may still hold the previous Deployment, fully available: the
  // cell's version counts only once the cached template runs it (Redis has its own image).
  const image = d.spec?.template?.spec?.containers?.[0]?.image ?? "";
  const versioned = component === "redis" || image.endsWith(`:${cell.spec.version}`);
  const current = versioned && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const available = d.status?.availableReplicas ?? 0;
  const updated = d.status?.updatedReplicas ?? 0;
  // No pod serves a Deployment scaled to zero: never ready, whatever the counts say.
  if (want < 1) return { ready: false, message: "scaled to 0 replicas" };
  const ready = current && available >= want && updated >= want;
  return { ready, message: `${available}/${want} replicas available${current ? "" : ` (rollout of ${cell.spec.version} pending)`}` };
}
