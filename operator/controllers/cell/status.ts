// The one writer of Cell status: conditions per component, tenant count, endpoint and version.
import { CellCondition, type Cell, type CellStatus } from "../../api/v1alpha1/index.js";
import { cellApiEndpoint, cellNamespace } from "../../names.js";
import { sameStatus, setConditions, type ConditionInput } from "../../status.js";
import type { OperatorContext } from "../context.js";
import { componentState } from "./workloads.js";

export interface CellObservation {
  database: { ready: true } | { ready: false; message: string };
}

export function desiredCellStatus(ctx: OperatorContext, cell: Cell, observed: CellObservation): CellStatus {
  const tenants = ctx.book.occupancy().get(cell.metadata.name) ?? 0;
  const api = componentState(ctx, cell, "api");
  const ml = componentState(ctx, cell, "ml");
  const redis = cell.spec.redis.enabled ? componentState(ctx, cell, "redis") : { ready: true, message: "Redis disabled for this cell" };
  const condition = (type: string, ready: boolean, reason: string, message: string): ConditionInput => ({ type, status: ready ? "True" : "False", reason: ready ? reason : `${reason}Pending`, message });
  const db = observed.database;
  const parts: ConditionInput[] = [
    condition(CellCondition.DatabaseReady, db.ready, "SchemaMigrated", db.ready ? "schema, role and migrations are in place" : db.message),
    condition(CellCondition.RedisReady, redis.ready, "RedisAvailable", redis.message),
    condition(CellCondition.ApiReady, api.ready, "ApiAvailable", api.message),
    condition(CellCondition.MlReady, ml.ready, "MlAvailable", ml.message),
  ];
  const notReady = parts.filter((p) => p.status !== "True").map((p) => p.type);
  parts.push({
    type: CellCondition.Ready,
    status: notReady.length === 0 ? "True" : "False",
    reason: notReady.length === 0 ? "CellReady" : "ComponentsNotReady",
    message: notReady.length === 0 ? "all components are available" : `waiting for ${notReady.join(", ")}`,
  });
  const allAvailable = api.ready && ml.ready;
  return {
    observedGeneration: cell.metadata.generation,
    tenants,
    occupancy: `${tenants}/${cell.spec.capacity}`,
    namespace: cellNamespace(cell.metadata.name),
    endpoint: cellApiEndpoint(cell.metadata.name),
    // The version is the one actually running: it moves once the rollout of that tag completed.
    version: allAvailable ? cell.spec.version : cell.status?.version,
    conditions: setConditions(cell.status?.conditions, parts, cell.metadata.generation),
  };
}

/** Writes status only when it changed, and records an Event when Ready flips. */
export async function writeCellStatus(ctx: OperatorContext, cell: Cell, status: CellStatus): Promise<void> {
  if (sameStatus(cell.status, status)) return;
  await ctx.kube.applyStatus("cells", { apiVersion: cell.apiVersion, kind: "Cell", metadata: { name: cell.metadata.name }, status });
  const wasReady = cell.status?.conditions?.find((c) => c.type === CellCondition.Ready)?.status;
  const ready = status.conditions?.find((c) => c.type === CellCondition.Ready);
  if (ready && ready.status !== wasReady) {
    ctx.record(cell, ready.status === "True" ? "Normal" : "Warning", ready.status === "True" ? "CellReady" : "CellNotReady", ready.message);
  }
}
