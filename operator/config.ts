// The operator's configuration: flags override environment variables, which override defaults.
// Validated once at start so a bad value fails with the setting's name and the reason.
import { hostname } from "node:os";
import { z } from "zod";
import type { CellSpec } from "./api/v1alpha1/index.js";
import { DEFAULT_CLUSTER_DOMAIN } from "./names.js";

const port = z.coerce.number().int().min(0).max(65535);
/** A Kubernetes quantity, as the Cell CRD's resources accept it (openapi.ts quantityMap). */
const quantityString = z.string().regex(/^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/, "must be a Kubernetes quantity, e.g. 250m or 512Mi");
/** A number (cpu: 1, as YAML writes it) is the same quantity as its string. */
const quantity = z.union([quantityString, z.number().nonnegative().transform(String)]);
const quantities = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });
/** Requests and limits given to new cells' pods, as JSON (the chart renders it from values). */
const resourcesJson = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .transform((v, ctx) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be JSON, e.g. {\"requests\":{\"cpu\":\"250m\",\"memory\":\"256Mi\"},\"limits\":{\"memory\":\"512Mi\"}}" });
      return z.NEVER;
    }
  })
  .pipe(z.strictObject({ requests: quantities.optional(), limits: quantities.optional() }));
const positive = z.coerce.number().int().min(1);

export const OperatorConfigSchema = z.object({
  /** Admin connection string of the platform Postgres that holds every cell's schema. */
  platformDatabaseUrl: z.string().min(1, { message: "is required (--database-url or PLATFORM_DATABASE_URL)", abort: true }).regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string"),
  /** kubeconfig path; empty means in-cluster or $KUBECONFIG. */
  kubeconfig: z.string().optional(),
  cellImageRepository: z.string().min(1).default("ghcr.io/localstoreplatform/cell"),
  mlImageRepository: z.string().min(1).default("ghcr.io/localstoreplatform/cell-ml"),
  redisImage: z.string().min(1).default("redis:8.2-alpine"),
  /** The cluster's DNS domain, in the cell endpoints and the Redis and ML URLs the operator writes. */
  clusterDomain: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a DNS name, e.g. cluster.local").max(200).default(DEFAULT_CLUSTER_DOMAIN),
  /** Public domain: a tenant's URL is https://{slug}.{domain}. */
  domain: z.string().min(1).default("localstoreplatform.com"),
  /** Shared cells the operator creates are named {prefix}-{n}. */
  sharedCellPrefix: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label").max(40).default("shared"),
  sharedCellCapacity: positive.max(1000).default(100),
  /** API and ML pods of cells the operator creates (Cell.spec.api/ml.replicas; ops may change a Cell's afterwards). */
  cellApiReplicas: positive.max(50).default(2),
  cellMlReplicas: positive.max(50).default(1),
  /** Requests and limits of new cells' API and ML pods (Cell.spec.api/ml.resources); unset: the operator's defaults (resources.ts). */
  cellApiResources: resourcesJson.optional(),
  cellMlResources: resourcesJson.optional(),
  /**
   * The router's master key for the tenant header. Never copied into a cell: each cell's Secret
   * gets the key derived from it for that cell's endpoint (common/cell-keys.ts).
   */
  routerSigningKey: z.string().min(16, "must be at least 16 characters (the router's ROUTER_SIGNING_KEY)").optional(),
  /** During a rotation, the master key being replaced: cells also accept their key derived from it, until this is unset. */
  routerSigningKeyPrevious: z.string().min(16, "must be at least 16 characters (the router's ROUTER_SIGNING_KEY before the rotation)").optional(),
  /** The billing sync's master key for cells' usage feeds; each cell gets its derived key (PLATFORM_KEY). Unset: cells serve no usage feed. */
  platformKey: z.string().min(16, "must be at least 16 characters (the billing sync's PLATFORM_KEY)").optional(),
  /** During a rotation, the billing sync's master key being replaced (see routerSigningKeyPrevious). */
  platformKeyPrevious: z.string().min(16, "must be at least 16 characters (the billing sync's PLATFORM_KEY before the rotation)").optional(),
  /** The control plane's JWKS URL, from which cell APIs verify access tokens offline. */
  jwksUrl: z.url("must be a URL, e.g. http://control-plane.lsp.svc:8080/.well-known/jwks.json").optional(),
  /** Image tag new cells start on. */
  cellVersion: z.string().min(1).default("0.1.0"),
  /** Only objects labelled localstoreplatform.com/instance={instance} are watched (and created with it). */
  instance: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label").max(63).optional(),
  workers: positive.max(64).default(4),
  leaderElection: z.boolean().default(true),
  leaseNamespace: z.string().min(1).default("kube-system"),
  leaseName: z.string().min(1).default("lsp-operator"),
  identity: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** /healthz, /readyz and /metrics; 0 picks a free port. */
  httpPort: port.default(8081),
  httpHost: z.string().default("0.0.0.0"),
  resyncSeconds: positive.default(300),
  /**
   * Admission for a move's hold: the router holds the tenant only once a catch-up pass applied
   * fewer changes than this, so the final sync inside the hold is short. 0 = never hold (moves
   * wait before the hold until the setting changes or the move is cancelled).
   */
  moveSettledBelow: z.coerce.number().int().min(0).default(500),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
}).superRefine((c, ctx) => {
  // A previous key alone would leave cells with no current key to accept.
  if (c.routerSigningKeyPrevious !== undefined && c.routerSigningKey === undefined) ctx.addIssue({ code: "custom", path: ["routerSigningKeyPrevious"], message: "needs ROUTER_SIGNING_KEY too: it is the key being replaced by that one" });
  if (c.platformKeyPrevious !== undefined && c.platformKey === undefined) ctx.addIssue({ code: "custom", path: ["platformKeyPrevious"], message: "needs PLATFORM_KEY too: it is the key being replaced by that one" });
});

export type OperatorConfig = z.output<typeof OperatorConfigSchema>;
export type OperatorConfigInput = z.input<typeof OperatorConfigSchema>;

export class InvalidConfigError extends Error {
  constructor(readonly issues: { setting: string; message: string }[]) {
    super(`invalid operator configuration: ${issues.map((i) => `${i.setting}: ${i.message}`).join("; ")}`);
    this.name = "InvalidConfigError";
  }
}

export function parseConfig(input: OperatorConfigInput): OperatorConfig {
  const result = OperatorConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidConfigError(result.error.issues.map((i) => ({ setting: i.path.join(".") || "(config)", message: i.message })));
}

/** Reads the environment variables documented in docs/operator.md. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): OperatorConfigInput {
  const pick = <K extends keyof OperatorConfigInput>(key: K, name: string, map: (v: string) => OperatorConfigInput[K] = (v) => v as OperatorConfigInput[K]) =>
    env[name] !== undefined && env[name] !== "" ? { [key]: map(env[name]) } : {};
  return {
    platformDatabaseUrl: env.PLATFORM_DATABASE_URL ?? "",
    ...pick("kubeconfig", "KUBECONFIG"),
    ...pick("cellImageRepository", "CELL_IMAGE_REPOSITORY"),
    ...pick("mlImageRepository", "ML_IMAGE_REPOSITORY"),
    ...pick("redisImage", "REDIS_IMAGE"),
    ...pick("domain", "LSP_DOMAIN"),
    ...pick("clusterDomain", "CLUSTER_DOMAIN"),
    ...pick("sharedCellPrefix", "SHARED_CELL_PREFIX"),
    ...pick("sharedCellCapacity", "SHARED_CELL_CAPACITY"),
    ...pick("cellApiReplicas", "CELL_API_REPLICAS"),
    ...pick("cellMlReplicas", "CELL_ML_REPLICAS"),
    ...pick("cellApiResources", "CELL_API_RESOURCES"),
    ...pick("cellMlResources", "CELL_ML_RESOURCES"),
    ...pick("cellVersion", "CELL_VERSION"),
    ...pick("moveSettledBelow", "MOVE_SETTLED_BELOW"),
    ...pick("routerSigningKey", "ROUTER_SIGNING_KEY"),
    ...pick("routerSigningKeyPrevious", "ROUTER_SIGNING_KEY_PREVIOUS"),
    ...pick("platformKey", "PLATFORM_KEY"),
    ...pick("platformKeyPrevious", "PLATFORM_KEY_PREVIOUS"),
    ...pick("jwksUrl", "CONTROL_PLANE_JWKS_URL"),
    ...pick("instance", "OPERATOR_INSTANCE"),
    ...pick("workers", "OPERATOR_WORKERS"),
    ...pick("leaderElection", "LEADER_ELECTION", (v) => v !== "false" && v !== "0"),
    ...pick("leaseNamespace", "LEASE_NAMESPACE"),
    ...pick("leaseName", "LEASE_NAME"),
    ...pick("identity", "POD_NAME"),
    ...pick("httpPort", "HTTP_PORT"),
    ...pick("resyncSeconds", "RESYNC_SECONDS"),
    ...pick("logLevel", "LOG_LEVEL", (v) => v as OperatorConfigInput["logLevel"]),
  };
}

/** The spec of a cell the operator creates: shared from the template, dedicated for one tenant. */
export function cellTemplate(config: OperatorConfig, cellClass: CellSpec["class"], deletionPolicy: CellSpec["deletionPolicy"] = "Retain"): CellSpec {
  return {
    class: cellClass,
    capacity: cellClass === "dedicated" ? 1 : config.sharedCellCapacity,
    version: config.cellVersion,
    api: { replicas: config.cellApiReplicas, ...(config.cellApiResources ? { resources: config.cellApiResources } : {}) },
    ml: { replicas: config.cellMlReplicas, ...(config.cellMlResources ? { resources: config.cellMlResources } : {}) },
    redis: { enabled: true },
    deletionPolicy,
  };
}
