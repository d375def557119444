// The one writer of Tenant status. The router reads status.endpoint (set once Routable) and status.hold.
import { TenantCondition, type Cell, type Tenant, type TenantStatus } from "../../api/v1alpha1/index.js";
import { cellApiEndpoint } from "../../names.js";
import { sameStatus, setConditions, type ConditionInput } from "../../status.js";
import type { OperatorContext } from "../context.js";
import { isCellReady } from "../context.js";
import type { Placement } from "./placement.js";
import type { Provisioning } from "./provision.js";

export interface TenantObservation {
  placement: Placement;
  cell?: Cell;
  provisioning?: Provisioning;
}

export function desiredTenantStatus(ctx: OperatorContext, tenant: Tenant, seen: TenantObservation): TenantStatus {
  const placed = "cell" in seen.placement;
  const cellName = placed ? (seen.placement as { cell: string }).cell : undefined;
  const provisioned = seen.provisioning?.done === true;
  // The cell serves (its Ready: database provisioned, one API replica available); a lost pod, ML or
  // Redis down or a rollout leave the route in place (the cell's Available and Progressing say so).
  const routable = placed && provisioned && isCellReady(seen.cell);
  const conditions: ConditionInput[] = [
    placed
      ? { type: TenantCondition.Placed, status: "True", reason: "Placed", message: `placed in cell ${cellName}` }
      : { type: TenantCondition.Placed, status: "False", reason: (seen.placement as { wait: { reason: string } }).wait.reason, message: (seen.placement as { wait: { message: string } }).wait.message },
    provisioned
      ? { type: TenantCondition.Provisioned, status: "True", reason: "Provisioned", message: "tenant, owner and locations exist in the cell database" }
      : { type: TenantCondition.Provisioned, status: "False", reason: seen.provisioning && !seen.provisioning.done ? seen.provisioning.reason : "WaitingForPlacement", message: seen.provisioning && !seen.provisioning.done ? seen.provisioning.message : "not placed yet" },
    routable
      ? { type: TenantCondition.Routable, status: "True", reason: "CellReady", message: "the router can send traffic to the cell" }
      : { type: TenantCondition.Routable, status: "False", reason: "CellNotReady", message: cellName ? `cell ${cellName} is not ready (no available API replica, or no database yet)` : "not placed yet" },
    readyCondition(tenant, routable),
  ];
  const status: TenantStatus = {
    observedGeneration: tenant.metadata.generation,
    url: `https://${tenant.spec.slug}.${ctx.config.domain}`,
    hold: false,
    conditions: setConditions(tenant.status?.conditions, conditions, tenant.metadata.generation),
  };
  if (cellName) status.cell = cellName;
  if (seen.provisioning?.done) status.tenantId = seen.provisioning.tenantId;
  if (routable && cellName) status.endpoint = seen.cell?.status?.endpoint ?? cellApiEndpoint(cellName, ctx.config.clusterDomain);
  // The last move stays visible after it ended (the move controller owns this field).
  if (tenant.status?.move) status.move = tenant.status.move;
  return status;
}

function readyCondition(tenant: Tenant, routable: boolean): ConditionInput {
  if (!routable) return { type: TenantCondition.Ready, status: "False", reason: "NotRoutable", message: "waiting for placement, provisioning and a ready cell" };
  if (tenant.spec.suspended) return { type: TenantCondition.Ready, status: "False", reason: "Suspended", message: "suspended: the router answers 403 for this tenant" };
  return { type: TenantCondition.Ready, status: "True", reason: "TenantReady", message: "serving traffic" };
}

/**
 * Status this process wrote per Tenant uid, until the cache shows it. A burst's placement patch
 * wakes the tenant's next reconcile before the status write's own event arrives: without this, that
 * reconcile reads the older status from the cache and writes the same status a second time.
 */
const unseenWrites = new Map<string, { status: TenantStatus; at: number }>();
/** After this long the cache has surely caught up; an entry older than this no longer suppresses a write. */
const UNSEEN_WRITE_MS = 30_000;

export async function writeTenantStatus(ctx: OperatorContext, tenant: Tenant, status: TenantStatus): Promise<void> {
  const key = tenant.metadata.uid ?? tenant.metadata.name;
  if (sameStatus(tenant.status, status)) {
    unseenWrites.delete(key);
    return;
  }
  const unseen = unseenWrites.get(key);
  if (unseen && Date.now() - unseen.at < UNSEEN_WRITE_MS && sameStatus(unseen.status, status)) return;
  await ctx.kube.applyStatus("tenants", { apiVersion: tenant.apiVersion, kind: "Tenant", metadata: { name: tenant.metadata.name }, status });
  unseenWrites.set(key, { status, at: Date.now() });
  if (unseenWrites.size > 2_000) for (const [k, w] of unseenWrites) if (Date.now() - w.at >= UNSEEN_WRITE_MS) unseenWrites.delete(k);
  const was = tenant.status?.conditions?.find((c) => c.type === TenantCondition.Ready);
  const now = status.conditions?.find((c) => c.type === TenantCondition.Ready);
  if (now && (now.status !== was?.status || now.reason !== was?.reason)) {
    ctx.record(tenant, now.status === "True" ? "Normal" : now.reason === "Suspended" ? "Normal" : "Warning", now.reason, now.message);
  }
}
