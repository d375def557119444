// Names and labels of everything the operator creates. All names go through dnsLabel so they
// stay valid DNS labels (<= 63 chars) and distinct even when shortened (hash suffix).
import { createHash } from "node:crypto";
import { GROUP } from "./api/v1alpha1/index.js";

const MAX_LABEL = 63;

/** Joins parts into a DNS label; too-long results keep a readable prefix plus an 8-char hash of the whole. */
export function dnsLabel(...parts: string[]): string {
  const joined = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (joined.length <= MAX_LABEL) return joined;
  const hash = createHash("sha256").update(joined).digest("hex").slice(0, 8);
  return `${joined.slice(0, MAX_LABEL - hash.length - 1).replace(/-$/, "")}-${hash}`;
}

export const Labels = {
  managedBy: "app.kubernetes.io/managed-by",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  cell: `${GROUP}/cell`,
  /** Scopes one operator deployment's objects (tests run several operators against one cluster). */
  instance: `${GROUP}/instance`,
  /** Namespaces allowed to reach every cell (router, control plane). */
  role: `${GROUP}/role`,
} as const;

export const Annotations = {
  /** On a cell's pod template: digest of the Secret data its pods read at start; a change rolls them. */
  secretsChecksum: `${GROUP}/secrets-checksum`,
} as const;

export const MANAGED_BY = "lsp-operator";

export const Finalizers = {
  cellDatabase: `${GROUP}/cell-database`,
  tenantData: `${GROUP}/tenant-data`,
} as const;

export const cellNamespace = (cellName: string) => dnsLabel("cell", cellName);
export const dedicatedCellName = (slug: string) => dnsLabel("dedicated", slug);
export const sharedCellName = (prefix: string, index: number) => dnsLabel(prefix, String(index));

export const CELL_API_PORT = 8080;
export const CELL_ML_PORT = 8090;
/** The ML pod's plain-HTTP side port: /metrics, /healthz, /readyz (gRPC stays on CELL_ML_PORT). */
export const CELL_ML_METRICS_PORT = 9090;
export const REDIS_PORT = 6379;
/** The cluster's DNS domain unless the operator is told another (CLUSTER_DOMAIN). */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";
/** A cell Service's fully qualified name: what pods in any namespace resolve. */
export const cellServiceHost = (cellName: string, service: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN) => `${service}.${cellNamespace(cellName)}.svc.${clusterDomain}`;
/** The cell API's URL: Tenant status.endpoint, and what each cell's keys are derived for (ADR 0104). */
export const cellApiEndpoint = (cellName: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN) => `http://${cellServiceHost(cellName, "cell-api", clusterDomain)}:${CELL_API_PORT}`;
