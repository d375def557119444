// Everything a Cell runs, as pure typed functions of the Cell (snapshot-tested). The operator
// server-side-applies these; owner references make the garbage collector remove them with the Cell.
import { cellDatabaseNames } from "../../../cell/provisioning/index.js";
import type * as k8s from "@kubernetes/client-node";
import { API_VERSION, type Cell, type ResourceRequirements } from "../../api/v1alpha1/index.js";
import type { OperatorConfig } from "../../config.js";
import { CELL_API_PORT, CELL_ML_METRICS_PORT, CELL_ML_PORT, cellNamespace, Labels, REDIS_PORT } from "../../names.js";

export interface ManifestContext {
  config: Pick<OperatorConfig, "cellImageRepository" | "mlImageRepository" | "redisImage" | "routerSigningKey" | "platformKey" | "jwksUrl">;
  commonLabels: Record<string, string>;
}

type Component = "api" | "ml" | "redis";
export const DATABASE_SECRET = "cell-database";
/** Platform settings a cell's pods read from their own namespace (pods cannot read other namespaces' Secrets). */
export const PLATFORM_SECRET = "cell-platform";
export const SERVICE_ACCOUNT = "cell";

const ownerRef = (cell: Cell): k8s.V1OwnerReference => ({
  apiVersion: API_VERSION,
  kind: "Cell",
  name: cell.metadata.name,
  uid: cell.metadata.uid!,
  controller: true,
  blockOwnerDeletion: true,
});

function meta(cell: Cell, ctx: ManifestContext, name: string, component?: Component): k8s.V1ObjectMeta {
  return {
    name,
    namespace: cellNamespace(cell.metadata.name),
    labels: { ...ctx.commonLabels, [Labels.cell]: cell.metadata.name, [Labels.partOf]: "localstore-platform", ...(component ? { [Labels.component]: component } : {}) },
    ownerReferences: [ownerRef(cell)],
  };
}

const selector = (cell: Cell, component: Component) => ({ [Labels.cell]: cell.metadata.name, [Labels.component]: component });

export function cellNamespaceManifest(cell: Cell, ctx: ManifestContext): k8s.V1Namespace {
  const { namespace: _ns, ...m } = meta(cell, ctx, cellNamespace(cell.metadata.name));
  return { apiVersion: "v1", kind: "Namespace", metadata: m };
}

export function cellServiceAccount(cell: Cell, ctx: ManifestContext): k8s.V1ServiceAccount {
  // The cell needs no Kubernetes API access: no token in its pods.
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(cell, ctx, SERVICE_ACCOUNT), automountServiceAccountToken: false };
}

/** Only the cell itself, the router and the control plane reach the cell's pods; other cells cannot. */
export function cellNetworkPolicy(cell: Cell, ctx: ManifestContext): k8s.V1NetworkPolicy {
  const fromRole = (role: string): k8s.V1NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { [Labels.role]: role } } });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(cell, ctx, "cell-isolation"),
    spec: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        { _from: [{ podSelector: {} }, fromRole("router"), fromRole("control-plane")] } as k8s.V1NetworkPolicyIngressRule,
        // Prometheus may scrape the API and the ML pod's metrics port, and nothing else.
        { _from: [fromRole("monitoring")], ports: [{ port: CELL_API_PORT as never, protocol: "TCP" }, { port: CELL_ML_METRICS_PORT as never, protocol: "TCP" }] } as k8s.V1NetworkPolicyIngressRule,
      ],
    },
  };
}

/** Caps what a cell can consume: room for a rolling update of every component, no more. */
export function cellResourceQuota(cell: Cell, ctx: ManifestContext): k8s.V1ResourceQuota {
  const { api, ml } = cell.spec;
  const pods = 2 * (api.replicas + ml.replicas + (cell.spec.redis.enabled ? 1 : 0)) + 2;
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: meta(cell, ctx, "cell-quota"),
    spec: { hard: { pods: String(pods), services: "5", secrets: "10", configmaps: "10", persistentvolumeclaims: "2" } },
  };
}

export function cellDatabaseSecret(cell: Cell, ctx: ManifestContext, databaseUrl: string, password: string): k8s.V1Secret {
  return { apiVersion: "v1", kind: "Secret", metadata: meta(cell, ctx, DATABASE_SECRET), type: "Opaque", stringData: { DATABASE_URL: databaseUrl, PASSWORD: password } };
}

function deployment(cell: Cell, ctx: ManifestContext, component: Component, name: string, replicas: number, container: k8s.V1Container): k8s.V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(cell, ctx, name, component),
    spec: {
      replicas,
      selector: { matchLabels: selector(cell, component) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...selector(cell, component), [Labels.partOf]: "localstore-platform" } },
        spec: { serviceAccountName: SERVICE_ACCOUNT, automountServiceAccountToken: false, enableServiceLinks: false, containers: [container] },
      },
    },
  };
}

function service(cell: Cell, ctx: ManifestContext, component: Component, name: string, port: number): k8s.V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(cell, ctx, name, component),
    spec: { selector: selector(cell, component), ports: [{ name: "http", port, targetPort: port as never, protocol: "TCP" }] },
  };
}

function disruptionBudget(cell: Cell, ctx: ManifestContext, component: Component, name: string): k8s.V1PodDisruptionBudget {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(cell, ctx, name, component), spec: { maxUnavailable: 1 as never, selector: { matchLabels: selector(cell, component) } } };
}

const resources = (r: ResourceRequirements | undefined): k8s.V1ResourceRequirements | undefined => (r ? { requests: r.requests, limits: r.limits } : undefined);
const env = (name: string, value: string): k8s.V1EnvVar => ({ name, value });
const probe = (path: string, port: number): k8s.V1Probe => ({ httpGet: { path, port: port as never }, periodSeconds: 10 });
/** The ML pod speaks only gRPC: the kubelet asks its standard health service. */
const grpcProbe = (port: number): k8s.V1Probe => ({ grpc: { port, service: "lsp.ml.v1.MlService" }, periodSeconds: 10 });
const fromSecret = (name: string, secret: string, key: string, optional = false): k8s.V1EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional } : {}) } } });

export function cellPlatformSecret(cell: Cell, ctx: ManifestContext): k8s.V1Secret {
  const stringData: Record<string, string> = { ROUTER_SIGNING_KEY: ctx.config.routerSigningKey ?? "" };
  // The billing sync's key, when the platform has one: the cell API then serves its usage feed.
  if (ctx.config.platformKey) stringData.PLATFORM_KEY = ctx.config.platformKey;
  return { apiVersion: "v1", kind: "Secret", metadata: meta(cell, ctx, PLATFORM_SECRET), type: "Opaque", stringData };
}

export function cellApiDeployment(cell: Cell, ctx: ManifestContext): k8s.V1Deployment {
  const name = cell.metadata.name;
  return deployment(cell, ctx, "api", "cell-api", cell.spec.api.replicas, {
    name: "api",
    image: `${ctx.config.cellImageRepository}:${cell.spec.version}`,
    ports: [{ name: "http", containerPort: CELL_API_PORT }],
    env: [
      env("CELL_NAME", name),
      env("CELL_SCHEMA", cellDatabaseNames(name).schema),
      fromSecret("DATABASE_URL", DATABASE_SECRET, "DATABASE_URL"),
      fromSecret("ROUTER_SIGNING_KEY", PLATFORM_SECRET, "ROUTER_SIGNING_KEY"),
      ...(ctx.config.platformKey ? [fromSecret("PLATFORM_KEY", PLATFORM_SECRET, "PLATFORM_KEY")] : []),
      ...(ctx.config.jwksUrl ? [env("JWKS_URL", ctx.config.jwksUrl)] : []),
      ...(cell.spec.redis.enabled ? [env("REDIS_URL", `redis://redis.${cellNamespace(name)}.svc.cluster.local:${REDIS_PORT}`)] : []),
      env("ML_GRPC_URL", `cell-ml.${cellNamespace(name)}.svc.cluster.local:${CELL_ML_PORT}`),
      env("PORT", String(CELL_API_PORT)),
    ],
    resources: resources(cell.spec.api.resources),
    readinessProbe: probe("/readyz", CELL_API_PORT),
    livenessProbe: probe("/healthz", CELL_API_PORT),
  });
}

export function cellMlDeployment(cell: Cell, ctx: ManifestContext): k8s.V1Deployment {
  return deployment(cell, ctx, "ml", "cell-ml", cell.spec.ml.replicas, {
    name: "ml",
    image: `${ctx.config.mlImageRepository}:${cell.spec.version}`,
    ports: [
      { name: "grpc", containerPort: CELL_ML_PORT },
      { name: "metrics", containerPort: CELL_ML_METRICS_PORT },
    ],
    // No database credentials: the cell sends the ML pod the series it needs (ADR 0400).
    env: [env("CELL_NAME", cell.metadata.name), env("PORT", String(CELL_ML_PORT)), env("ML_HTTP_PORT", String(CELL_ML_METRICS_PORT))],
    resources: resources(cell.spec.ml.resources),
    readinessProbe: grpcProbe(CELL_ML_PORT),
    livenessProbe: grpcProbe(CELL_ML_PORT),
  });
}

export function cellRedisDeployment(cell: Cell, ctx: ManifestContext): k8s.V1Deployment {
  return deployment(cell, ctx, "redis", "redis", 1, {
    name: "redis",
    image: ctx.config.redisImage,
    args: ["--save", "", "--appendonly", "no"],
    ports: [{ name: "redis", containerPort: REDIS_PORT }],
  });
}

/** Every object of the cell's workloads, in apply order; Redis only when enabled. */
export function cellWorkloads(cell: Cell, ctx: ManifestContext): k8s.KubernetesObject[] {
  return [
    cellServiceAccount(cell, ctx),
    cellNetworkPolicy(cell, ctx),
    cellResourceQuota(cell, ctx),
    cellPlatformSecret(cell, ctx),
    ...(cell.spec.redis.enabled ? [cellRedisDeployment(cell, ctx), service(cell, ctx, "redis", "redis", REDIS_PORT)] : []),
    cellApiDeployment(cell, ctx),
    service(cell, ctx, "api", "cell-api", CELL_API_PORT),
    disruptionBudget(cell, ctx, "api", "cell-api"),
    cellMlDeployment(cell, ctx),
    service(cell, ctx, "ml", "cell-ml", CELL_ML_PORT),
    disruptionBudget(cell, ctx, "ml", "cell-ml"),
  ];
}
