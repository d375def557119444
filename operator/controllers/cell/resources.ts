// Compute resources of a cell's pods: defaults the Cell's spec.api/spec.ml.resources override key
// by key, and the namespace's quota derived from them. Pure (snapshot- and unit-tested).
import type * as k8s from "@kubernetes/client-node";
import type { Cell, ResourceRequirements } from "../../api/v1alpha1/index.js";

export type Component = "api" | "ml" | "redis";

/**
 * What a pod gets when its Cell's spec says nothing (documented in docs/operator.md). No CPU limit:
 * a throttled API answers slowly for every tenant of the cell; the request gives it its share.
 * Redis has no place in the Cell spec: its cache is bounded by --maxmemory below its limit.
 */
export const DEFAULT_RESOURCES: Record<Component, Required<ResourceRequirements>> = {
  api: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
  ml: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
  redis: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "192Mi" } },
};

/** Redis evicts cached entries (keys with a TTL) beyond this, well below its memory limit (buffers, fragmentation). */
export const REDIS_MAXMEMORY = "128mb";

/** Defaults for a container in the cell namespace that declares nothing (a debug pod): admitted under the quota. */
export const LIMIT_RANGE_DEFAULTS = { defaultRequest: { cpu: "50m", memory: "64Mi" }, default: { memory: "256Mi" } };

const SCALE: Record<string, number> = {
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/**
 * A Kubernetes quantity ("250m", "1.5Gi", "1e3") as a number of base units. client-node's
 * quantityToScalar refuses fractions with a suffix ("1.5Gi"), which the CRD accepts.
 */
export function parseQuantity(value: string | number): number {
  if (typeof value === "number") return value;
  const m = QUANTITY.exec(value.trim());
  if (!m) throw new Error(`not a quantity: ${value}`);
  return Number(`${m[1]}${m[2] ?? ""}`) * SCALE[m[3] ?? ""]!;
}

/**
 * The defaults, overridden key by key by the spec (spec.api.resources.requests.cpu alone keeps the
 * default memory). A default that would contradict what the spec set is moved to match it: a
 * default limit below a requested amount rises to it, a default request above a set limit falls to it.
 */
export function podResources(component: Component, spec: ResourceRequirements | undefined): k8s.V1ResourceRequirements {
  const defaults = DEFAULT_RESOURCES[component];
  const requests: Record<string, string> = { ...defaults.requests, ...stringify(spec?.requests) };
  const limits: Record<string, string> = { ...defaults.limits, ...stringify(spec?.limits) };
  for (const key of Object.keys(limits)) {
    const request = requests[key];
    if (request === undefined || parseQuantity(request) <= parseQuantity(limits[key]!)) continue;
    if (spec?.limits?.[key] === undefined) limits[key] = request;
    else if (spec.requests?.[key] === undefined) requests[key] = limits[key]!;
  }
  return { requests, limits };
}

function stringify(map: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Each component's pod resources and replicas in the cell as its spec stands. */
export function cellPods(cell: Cell): { component: Component; replicas: number; resources: k8s.V1ResourceRequirements }[] {
  return [
    { component: "api", replicas: cell.spec.api.replicas, resources: podResources("api", cell.spec.api.resources) },
    { component: "ml", replicas: cell.spec.ml.replicas, resources: podResources("ml", cell.spec.ml.resources) },
    ...(cell.spec.redis.enabled ? [{ component: "redis" as const, replicas: 1, resources: podResources("redis", undefined) }] : []),
  ];
}

/** Pods the quota admits beyond the cell's own: one-off pods (debugging) with the LimitRange defaults. */
export const EXTRA_PODS = 2;

/**
 * The quota's hard limits: twice what the cell's pods ask for (room for a rolling update of every
 * component, with the replaced pods still terminating), plus EXTRA_PODS at the LimitRange defaults.
 */
export function cellQuotaHard(cell: Cell): Record<string, string> {
  const pods = cellPods(cell);
  const sum = (pick: (r: k8s.V1ResourceRequirements) => string | undefined) => pods.reduce((total, p) => total + p.replicas * parseQuantity(pick(p.resources) ?? "0"), 0);
  const cpu = 2 * sum((r) => r.requests?.cpu) + EXTRA_PODS * parseQuantity(LIMIT_RANGE_DEFAULTS.defaultRequest.cpu);
  const memory = 2 * sum((r) => r.requests?.memory) + EXTRA_PODS * parseQuantity(LIMIT_RANGE_DEFAULTS.defaultRequest.memory);
  const memoryLimit = 2 * sum((r) => r.limits?.memory) + EXTRA_PODS * parseQuantity(LIMIT_RANGE_DEFAULTS.default.memory);
  // Rounded up, less a hair of float error (0.25 + 0.1 is not 0.35).
  const up = (n: number) => Math.ceil(n - 1e-9);
  return {
    pods: String(2 * pods.reduce((n, p) => n + p.replicas, 0) + EXTRA_PODS),
    "requests.cpu": `${up(cpu * 1000)}m`,
    "requests.memory": `${up(memory / 2 ** 20)}Mi`,
    "limits.memory": `${up(memoryLimit / 2 ** 20)}Mi`,
  };
}
