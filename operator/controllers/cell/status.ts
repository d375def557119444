// The one writer of Cell status: conditions per component, tenant count, endpoint and version.
//
// Two questions, two conditions. Ready — does the cell serve its tenants? — is what routing
// follows (Tenant Routable, status.endpoint): the database was provisioned and the API has at
// least one available replica. Available and Progressing say whether the cell is whole: a lost
// pod, ML or Redis down, a rollout under way or stalled (a bad image tag) turn those, not Ready,
// so one evicted pod or a version bump never takes a cell's tenants off the router.
import { CellCondition, type Cell, type CellStatus } from "../../api/v1alpha1/index.js";
import { cellApiEndpoint, cellNamespace } from "../../names.js";
import { isTrue, sameStatus, setConditions, type ConditionInput } from "../../status.js";
import type { OperatorContext } from "../context.js";
import { componentState, type ComponentState, type NamespaceOutcome } from "./workloads.js";

export interface CellObservation {
  database: { ready: true } | { ready: false; message: string };
  /** Whether the namespace is this Cell's own; absent when the reconcile did not get that far. */
  namespace?: NamespaceOutcome;
}

export function desiredCellStatus(ctx: OperatorContext, cell: Cell, observed: CellObservation): CellStatus {
  const tenants = ctx.book.occupancy().get(cell.metadata.name) ?? 0;
  const api = componentState(ctx, cell, "api");
  const ml = componentState(ctx, cell, "ml");
  const redis = cell.spec.redis.enabled ? componentState(ctx, cell, "redis") : undefined;
  const components: [string, ComponentState][] = [["cell-api", api], ["cell-ml", ml], ...(redis ? [["redis", redis] as [string, ComponentState]] : [])];
  const condition = (type: string, ready: boolean, reason: string, message: string): ConditionInput => ({ type, status: ready ? "True" : "False", reason: ready ? reason : `${reason}Pending`, message });
  const db = observed.database;
  const parts: ConditionInput[] = [
    condition(CellCondition.DatabaseReady, db.ready, "SchemaMigrated", db.ready ? "schema, role and migrations are in place" : db.message),
    condition(CellCondition.RedisReady, redis?.ready ?? true, "RedisAvailable", redis?.message ?? "Redis disabled for this cell"),
    condition(CellCondition.ApiReady, api.ready, "ApiAvailable", api.message),
    condition(CellCondition.MlReady, ml.ready, "MlAvailable", ml.message),
    availableCondition(db, components),
    progressingCondition(cell, components),
    readyCondition(cell, observed, api),
  ];
  return {
    observedGeneration: cell.metadata.generation,
    tenants,
    occupancy: `${tenants}/${cell.spec.capacity}`,
    namespace: cellNamespace(cell.metadata.name),
    endpoint: cellApiEndpoint(cell.metadata.name, ctx.config.clusterDomain),
    // The version is the one actually running: it moves once the rollout of that tag completed.
    version: api.ready && ml.ready ? cell.spec.version : cell.status?.version,
    conditions: setConditions(cell.status?.conditions, parts, cell.metadata.generation),
  };
}

/** Whole: the database checked and every component with all its replicas available, whatever their version. */
function availableCondition(db: CellObservation["database"], components: [string, ComponentState][]): ConditionInput {
  const short = components.filter(([, s]) => !s.whole).map(([name, s]) => `${name} ${s.message}`);
  if (!db.ready) short.unshift(`database: ${db.message}`);
  if (short.length === 0) return { type: CellCondition.Available, status: "True", reason: "ComponentsAvailable", message: "every component has all its replicas available" };
  return { type: CellCondition.Available, status: "False", reason: "ComponentsUnavailable", message: short.join("; ") };
}

/** A rollout of the current spec under way (True), finished, or given up on by the Deployment controller. */
function progressingCondition(cell: Cell, components: [string, ComponentState][]): ConditionInput {
  const rolling = components.filter(([, s]) => !s.rolledOut);
  const stalled = rolling.filter(([, s]) => s.stalled);
  const detail = (list: [string, ComponentState][]) => list.map(([name, s]) => `${name} ${s.message}`).join("; ");
  if (stalled.length > 0) {
    return { type: CellCondition.Progressing, status: "False", reason: "ProgressDeadlineExceeded", message: `rollout of ${cell.spec.version} stalled (the previous pods keep serving): ${detail(stalled)}` };
  }
  if (rolling.length > 0) return { type: CellCondition.Progressing, status: "True", reason: "RollingOut", message: `rolling out ${cell.spec.version}: ${detail(rolling)}` };
  return { type: CellCondition.Progressing, status: "False", reason: "RolloutComplete", message: `every component runs the current spec (${cell.spec.version})` };
}

/**
 * Serving: the namespace is the Cell's own, the database was provisioned (a failed re-check of a
 * cell already serving turns only DatabaseReady and Available), and one API replica is available.
 */
function readyCondition(cell: Cell, observed: CellObservation, api: ComponentState): ConditionInput {
  const notReady = (reason: string, message: string): ConditionInput => ({ type: CellCondition.Ready, status: "False", reason, message });
  const namespace = observed.namespace ?? { ready: true };
  if (!namespace.ready) return notReady(namespace.reason, namespace.message);
  const provisioned = observed.database.ready || isTrue(cell.status?.conditions, CellCondition.Ready);
  if (!provisioned) return notReady("DatabaseNotReady", observed.database.ready ? "" : observed.database.message);
  if (api.available < 1) return notReady("ApiUnavailable", `no cell API replica is available: ${api.message}`);
  return { type: CellCondition.Ready, status: "True", reason: "Serving", message: `the cell API serves its tenants (${api.available}/${api.want} replicas available)` };
}

/** Writes status only when it changed, and records an Event when Ready or Available flips. */
export async function writeCellStatus(ctx: OperatorContext, cell: Cell, status: CellStatus): Promise<void> {
  if (sameStatus(cell.status, status)) return;
  await ctx.kube.applyStatus("cells", { apiVersion: cell.apiVersion, kind: "Cell", metadata: { name: cell.metadata.name }, status });
  const flipped = (type: string) => {
    const was = cell.status?.conditions?.find((c) => c.type === type)?.status;
    const now = status.conditions?.find((c) => c.type === type);
    return now && now.status !== was ? { now, was } : undefined;
  };
  const ready = flipped(CellCondition.Ready);
  if (ready) ctx.record(cell, ready.now.status === "True" ? "Normal" : "Warning", ready.now.status === "True" ? "CellReady" : "CellNotReady", ready.now.message);
  // Losing a component while serving is worth an Event; a cell still starting up is not.
  const available = flipped(CellCondition.Available);
  if (available?.was !== undefined) {
    ctx.record(cell, available.now.status === "True" ? "Normal" : "Warning", available.now.status === "True" ? "CellAvailable" : "CellDegraded", available.now.message);
  }
}
