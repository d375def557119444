// Everything a Cell runs, as pure typed functions of the Cell (snapshot-tested). The operator
// server-side-applies these; owner references make the garbage collector remove them with the Cell.
import { createHash } from "node:crypto";
import { cellDatabaseNames } from "../../../cell/provisioning/index.js";
import type * as k8s from "@kubernetes/client-node";
import { API_VERSION, type Cell } from "../../api/v1alpha1/index.js";
import type { OperatorConfig } from "../../config.js";
import { deriveCellKey } from "../../../common/cell-keys.js";
import { Annotations, CELL_API_PORT, CELL_ML_METRICS_PORT, CELL_ML_PORT, cellApiEndpoint, cellNamespace, cellServiceHost, Labels, REDIS_PORT } from "../../names.js";
import { cellQuotaHard, LIMIT_RANGE_DEFAULTS, podResources, REDIS_MAXMEMORY, type Component } from "./resources.js";

export interface ManifestContext {
  config: Pick<OperatorConfig, "cellImageRepository" | "mlImageRepository" | "redisImage" | "routerSigningKey" | "routerSigningKeyPrevious" | "platformKey" | "platformKeyPrevious" | "jwksUrl"> & Partial<Pick<OperatorConfig, "clusterDomain">>;
  commonLabels: Record<string, string>;
}

/** What the manifests take from the cluster besides the Cell. */
export interface CellInputs {
  /** Digest of the cell-database Secret's DATABASE_URL (database.ts): a new one rolls the API pods. */
  databaseSecretChecksum?: string;
}

export const DATABASE_SECRET = "cell-database";
/** Platform settings a cell's pods read from their own namespace (pods cannot read other namespaces' Secrets). */
export const PLATFORM_SECRET = "cell-platform";
export const SERVICE_ACCOUNT = "cell";

/** Pod Security admission refuses any pod in a cell namespace that is not hardened to the restricted profile. */
export const POD_SECURITY_LABELS = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
} as const;

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
  return { apiVersion: "v1", kind: "Namespace", metadata: { ...m, labels: { ...m.labels, ...POD_SECURITY_LABELS } } };
}

export function cellServiceAccount(cell: Cell, ctx: ManifestContext): k8s.V1ServiceAccount {
  // The cell needs no Kubernetes API access: no token in its pods.
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(cell, ctx, SERVICE_ACCOUNT), automountServiceAccountToken: false };
}

/** Namespaces labelled for a role (router, control-plane, monitoring) by the platform's operators. */
const fromRole = (role: string): k8s.V1NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { [Labels.role]: role } } });

/** The platform's pods that call a cell's API: the router (tenants' requests) and the billing sync (usage feed). */
export const CELL_API_CALLERS = ["router", "billing-sync"];

/**
 * Every pod of the cell: reachable from the cell's own pods (the API calls ML and Redis), and on
 * the metrics ports from Prometheus. Nothing else — other cells, the platform's other pods —
 * reaches ML or Redis; the API's own policy below adds the platform's callers.
 */
export function cellNetworkPolicy(cell: Cell, ctx: ManifestContext): k8s.V1NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(cell, ctx, "cell-isolation"),
    spec: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        { _from: [{ podSelector: {} }] } as k8s.V1NetworkPolicyIngressRule,
        // Prometheus may scrape the API and the ML pod's metrics port, and nothing else.
        { _from: [fromRole("monitoring")], ports: [{ port: CELL_API_PORT as never, protocol: "TCP" }, { port: CELL_ML_METRICS_PORT as never, protocol: "TCP" }] } as k8s.V1NetworkPolicyIngressRule,
      ],
    },
  };
}

/**
 * The API pods' port, for the router and the billing sync only: pods labelled
 * app.kubernetes.io/component router or billing-sync (as the chart labels them) in a namespace
 * labelled localstoreplatform.com/role router or control-plane. The operator, the control plane's
 * API and the CronJobs in those namespaces never call a cell, so they cannot.
 */
export function cellApiNetworkPolicy(cell: Cell, ctx: ManifestContext): k8s.V1NetworkPolicy {
  const callers: k8s.V1LabelSelector = { matchExpressions: [{ key: Labels.component, operator: "In", values: CELL_API_CALLERS }] };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(cell, ctx, "cell-api-callers"),
    spec: {
      podSelector: { matchLabels: selector(cell, "api") },
      policyTypes: ["Ingress"],
      ingress: [
        {
          _from: ["router", "control-plane"].map((role) => ({ ...fromRole(role), podSelector: callers })),
          ports: [{ port: CELL_API_PORT as never, protocol: "TCP" }],
        } as k8s.V1NetworkPolicyIngressRule,
      ],
    },
  };
}

/**
 * Caps what a cell can consume — objects, CPU and memory requests, memory limits — at room for a
 * rolling update of every component (resources.ts). Every pod must then declare requests: the
 * cell's own do, and the LimitRange fills them in for any other.
 */
export function cellResourceQuota(cell: Cell, ctx: ManifestContext): k8s.V1ResourceQuota {
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: meta(cell, ctx, "cell-quota"),
    spec: { hard: { ...cellQuotaHard(cell), services: "5", secrets: "10", configmaps: "10", persistentvolumeclaims: "2" } },
  };
}

/** Requests and a memory limit for a container that declares none (a debug pod), so the quota admits it. */
export function cellLimitRange(cell: Cell, ctx: ManifestContext): k8s.V1LimitRange {
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: meta(cell, ctx, "cell-limits"),
    spec: { limits: [{ type: "Container", defaultRequest: LIMIT_RANGE_DEFAULTS.defaultRequest, _default: LIMIT_RANGE_DEFAULTS.default } as k8s.V1LimitRangeItem] },
  };
}

export function cellDatabaseSecret(cell: Cell, ctx: ManifestContext, databaseUrl: string, password: string, redisPassword: string): k8s.V1Secret {
  return { apiVersion: "v1", kind: "Secret", metadata: meta(cell, ctx, DATABASE_SECRET), type: "Opaque", stringData: { DATABASE_URL: databaseUrl, PASSWORD: password, REDIS_PASSWORD: redisPassword } };
}

/** The cell images' numeric user (images/Dockerfile: USER 10001); the official Redis image's redis user is 999. */
const APP_USER = 10001;
const REDIS_USER = 999;

/** The restricted Pod Security profile: non-root with RuntimeDefault seccomp (pod); no escalation, no capabilities, read-only root (container). */
const podSecurityContext = (user: number): k8s.V1PodSecurityContext => ({ runAsNonRoot: true, runAsUser: user, runAsGroup: user, fsGroup: user, seccompProfile: { type: "RuntimeDefault" } });
const containerSecurityContext: k8s.V1SecurityContext = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

interface PodParts {
  user: number;
  container: k8s.V1Container;
  /** Writable directories on the read-only root filesystem: volume name → mount path (emptyDir). */
  scratch: Record<string, string>;
  annotations?: Record<string, string>;
  /** Stop the old pod before starting the new one (Redis: two instances behind one Service would split pub/sub and the cache). */
  recreate?: boolean;
}

function deployment(cell: Cell, ctx: ManifestContext, component: Component, name: string, replicas: number, pod: PodParts): k8s.V1Deployment {
  const scratch = Object.entries(pod.scratch);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(cell, ctx, name, component),
    spec: {
      replicas,
      selector: { matchLabels: selector(cell, component) },
      strategy: pod.recreate ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...selector(cell, component), [Labels.partOf]: "localstore-platform" }, ...(pod.annotations ? { annotations: pod.annotations } : {}) },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(pod.user),
          containers: [
            {
              ...pod.container,
              resources: podResources(component, component === "redis" ? undefined : cell.spec[component].resources),
              securityContext: containerSecurityContext,
              volumeMounts: scratch.map(([volume, mountPath]) => ({ name: volume, mountPath })),
            },
          ],
          volumes: scratch.map(([volume]) => ({ name: volume, emptyDir: { sizeLimit: "64Mi" } })),
        },
      },
    },
  };
}

function service(cell: Cell, ctx: ManifestContext, component: Component, name: string, port: k8s.V1ServicePort): k8s.V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(cell, ctx, name, component),
    spec: { selector: selector(cell, component), ports: [{ ...port, targetPort: port.port as never, protocol: "TCP" }] },
  };
}

function disruptionBudget(cell: Cell, ctx: ManifestContext, component: Component, name: string): k8s.V1PodDisruptionBudget {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(cell, ctx, name, component), spec: { maxUnavailable: 1 as never, selector: { matchLabels: selector(cell, component) } } };
}

const env = (name: string, value: string): k8s.V1EnvVar => ({ name, value });
const probe = (path: string, port: number): k8s.V1Probe => ({ httpGet: { path, port: port as never }, periodSeconds: 10 });
/** The ML pod speaks only gRPC: the kubelet asks its standard health service. */
const grpcProbe = (port: number): k8s.V1Probe => ({ grpc: { port, service: "lsp.ml.v1.MlService" }, periodSeconds: 10 });
/** Redis answers on its port: a TCP probe needs nothing from the image (REDIS_IMAGE may be any build). */
const tcpProbe = (port: number, periodSeconds: number): k8s.V1Probe => ({ tcpSocket: { port: port as never }, periodSeconds });
const fromSecret = (name: string, secret: string, key: string, optional = false): k8s.V1EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional } : {}) } } });

/**
 * The cell's own keys, derived from the platform's masters for the endpoint this cell is published
 * at (the router and the billing sync derive the same from Tenant status.endpoint): a leaked cell
 * Secret opens this cell alone. During a rotation the key derived from the previous master rides
 * along as *_PREVIOUS, so cells accept both until the router or sync has switched.
 */
export function cellPlatformKeys(cell: Cell, ctx: ManifestContext): Record<string, string> {
  const { routerSigningKey, routerSigningKeyPrevious, platformKey, platformKeyPrevious } = ctx.config;
  const endpoint = cellApiEndpoint(cell.metadata.name, ctx.config.clusterDomain);
  const keys: Record<string, string> = { ROUTER_SIGNING_KEY: routerSigningKey ? deriveCellKey(routerSigningKey, "router-signing", endpoint) : "" };
  if (routerSigningKey && routerSigningKeyPrevious) keys.ROUTER_SIGNING_KEY_PREVIOUS = deriveCellKey(routerSigningKeyPrevious, "router-signing", endpoint);
  // The billing sync's key, when the platform has one: the cell API then serves its usage feed.
  if (platformKey) keys.PLATFORM_KEY = deriveCellKey(platformKey, "platform", endpoint);
  if (platformKey && platformKeyPrevious) keys.PLATFORM_KEY_PREVIOUS = deriveCellKey(platformKeyPrevious, "platform", endpoint);
  return keys;
}

/**
 * The cell's keys as a Secret, written as `data`: server-side apply then owns each key, so a key
 * the operator stops applying (a rotation's previous key, the platform key with billing off) is
 * removed. Keys applied as `stringData` are merged into `data` and never removed.
 */
export function cellPlatformSecret(cell: Cell, ctx: ManifestContext): k8s.V1Secret {
  const data = Object.fromEntries(Object.entries(cellPlatformKeys(cell, ctx)).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
  return { apiVersion: "v1", kind: "Secret", metadata: meta(cell, ctx, PLATFORM_SECRET), type: "Opaque", data };
}

/**
 * Digest of the Secret data the API's environment carries. A pod reads env from a Secret once, at
 * start: with the digest in the pod template, a rotated key or password rolls the pods — one at a
 * time (maxUnavailable 0), and the cell stays Ready while one API pod serves.
 */
export function cellSecretsChecksum(cell: Cell, ctx: ManifestContext, inputs: CellInputs = {}): string {
  const consumed = { [DATABASE_SECRET]: inputs.databaseSecretChecksum ?? "", [PLATFORM_SECRET]: cellPlatformKeys(cell, ctx) };
  return createHash("sha256").update(JSON.stringify(consumed)).digest("hex");
}

export function cellApiDeployment(cell: Cell, ctx: ManifestContext, inputs: CellInputs = {}): k8s.V1Deployment {
  const name = cell.metadata.name;
  return deployment(cell, ctx, "api", "cell-api", cell.spec.api.replicas, {
    user: APP_USER,
    scratch: { tmp: "/tmp" },
    annotations: { [Annotations.secretsChecksum]: cellSecretsChecksum(cell, ctx, inputs) },
    container: {
      name: "api",
      image: `${ctx.config.cellImageRepository}:${cell.spec.version}`,
      ports: [{ name: "http", containerPort: CELL_API_PORT }],
      env: [
        env("CELL_NAME", name),
        env("CELL_SCHEMA", cellDatabaseNames(name).schema),
        fromSecret("DATABASE_URL", DATABASE_SECRET, "DATABASE_URL"),
        fromSecret("ROUTER_SIGNING_KEY", PLATFORM_SECRET, "ROUTER_SIGNING_KEY"),
        ...(ctx.config.routerSigningKey && ctx.config.routerSigningKeyPrevious ? [fromSecret("ROUTER_SIGNING_KEY_PREVIOUS", PLATFORM_SECRET, "ROUTER_SIGNING_KEY_PREVIOUS", true)] : []),
        ...(ctx.config.platformKey ? [fromSecret("PLATFORM_KEY", PLATFORM_SECRET, "PLATFORM_KEY")] : []),
        ...(ctx.config.platformKey && ctx.config.platformKeyPrevious ? [fromSecret("PLATFORM_KEY_PREVIOUS", PLATFORM_SECRET, "PLATFORM_KEY_PREVIOUS", true)] : []),
        ...(ctx.config.jwksUrl ? [env("JWKS_URL", ctx.config.jwksUrl)] : []),
        // $(REDIS_PASSWORD) is expanded by the kubelet from the variable defined just before it.
        ...(cell.spec.redis.enabled
          ? [fromSecret("REDIS_PASSWORD", DATABASE_SECRET, "REDIS_PASSWORD"), env("REDIS_URL", `redis://:$(REDIS_PASSWORD)@${cellServiceHost(name, "redis", ctx.config.clusterDomain)}:${REDIS_PORT}`)]
          : []),
        env("ML_GRPC_URL", `${cellServiceHost(name, "cell-ml", ctx.config.clusterDomain)}:${CELL_ML_PORT}`),
        env("PORT", String(CELL_API_PORT)),
      ],
      readinessProbe: probe("/readyz", CELL_API_PORT),
      livenessProbe: probe("/healthz", CELL_API_PORT),
    },
  });
}

export function cellMlDeployment(cell: Cell, ctx: ManifestContext): k8s.V1Deployment {
  return deployment(cell, ctx, "ml", "cell-ml", cell.spec.ml.replicas, {
    user: APP_USER,
    scratch: { tmp: "/tmp" },
    container: {
      name: "ml",
      image: `${ctx.config.mlImageRepository}:${cell.spec.version}`,
      ports: [
        { name: "grpc", containerPort: CELL_ML_PORT },
        { name: "metrics", containerPort: CELL_ML_METRICS_PORT },
      ],
      // No database credentials: the cell sends the ML pod the series it needs (ADR 0400).
      env: [env("CELL_NAME", cell.metadata.name), env("PORT", String(CELL_ML_PORT)), env("ML_HTTP_PORT", String(CELL_ML_METRICS_PORT))],
      readinessProbe: grpcProbe(CELL_ML_PORT),
      livenessProbe: grpcProbe(CELL_ML_PORT),
    },
  });
}

export function cellRedisDeployment(cell: Cell, ctx: ManifestContext, inputs: CellInputs = {}): k8s.V1Deployment {
  return deployment(cell, ctx, "redis", "redis", 1, {
    user: REDIS_USER,
    // Its working directory; nothing is persisted (no RDB snapshots, no AOF).
    scratch: { data: "/data" },
    recreate: true,
    // A new password (a cell created before Redis had one) restarts Redis with it.
    ...(inputs.databaseSecretChecksum ? { annotations: { [Annotations.secretsChecksum]: inputs.databaseSecretChecksum } } : {}),
    container: {
      name: "redis",
      image: ctx.config.redisImage,
      // The password: a second lock behind the cell's NetworkPolicy, which admits only the cell's
      // own pods here (and clusters without a network plugin enforce no policy). $(REDIS_PASSWORD)
      // is expanded by the kubelet.
      env: [fromSecret("REDIS_PASSWORD", DATABASE_SECRET, "REDIS_PASSWORD")],
      // Only cache entries (keys with a TTL) are evicted; the cache's version counters stay.
      args: ["--save", "", "--appendonly", "no", "--maxmemory", REDIS_MAXMEMORY, "--maxmemory-policy", "volatile-lru", "--requirepass", "$(REDIS_PASSWORD)"],
      ports: [{ name: "redis", containerPort: REDIS_PORT }],
      readinessProbe: tcpProbe(REDIS_PORT, 5),
      livenessProbe: { ...tcpProbe(REDIS_PORT, 10), failureThreshold: 6 },
    },
  });
}

/** Every object of the cell's workloads, in apply order; Redis only when enabled. */
export function cellWorkloads(cell: Cell, ctx: ManifestContext, inputs: CellInputs = {}): k8s.KubernetesObject[] {
  return [
    cellServiceAccount(cell, ctx),
    cellNetworkPolicy(cell, ctx),
    cellApiNetworkPolicy(cell, ctx),
    cellResourceQuota(cell, ctx),
    cellLimitRange(cell, ctx),
    cellPlatformSecret(cell, ctx),
    ...(cell.spec.redis.enabled ? [cellRedisDeployment(cell, ctx, inputs), service(cell, ctx, "redis", "redis", { name: "redis", port: REDIS_PORT })] : []),
    cellApiDeployment(cell, ctx, inputs),
    service(cell, ctx, "api", "cell-api", { name: "http", port: CELL_API_PORT }),
    disruptionBudget(cell, ctx, "api", "cell-api"),
    cellMlDeployment(cell, ctx),
    // gRPC is HTTP/2 without TLS: named and declared so a mesh or gateway does not speak HTTP/1 to it.
    service(cell, ctx, "ml", "cell-ml", { name: "grpc", port: CELL_ML_PORT, appProtocol: "kubernetes.io/h2c" }),
    disruptionBudget(cell, ctx, "ml", "cell-ml"),
  ];
}
