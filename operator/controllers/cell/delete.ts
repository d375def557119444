// Deleting a Cell: in-cluster objects go with the garbage collector (owner references); the
// finalizer covers what lives outside the cluster — the Postgres schema and role — per deletionPolicy.
import { cellNameProblem, type Cell } from "../../api/v1alpha1/index.js";
import { Finalizers } from "../../names.js";
import type { ReconcileResult } from "../../runtime/controller.js";
import { movingInto, type OperatorContext } from "../context.js";
import { forgetWorkloads } from "./workloads.js";

export async function finalizeCell(ctx: OperatorContext, cell: Cell): Promise<ReconcileResult> {
  const name = cell.metadata.name;
  if (!cell.metadata.finalizers?.includes(Finalizers.cellDatabase)) return {};
  // Tenants still placed here would lose their data; wait until they are deleted or gone. So would
  // a tenant moving in: it is counted here only once its move switches.
  const tenants = ctx.book.occupancy().get(name) ?? 0;
  if (tenants > 0) {
    ctx.record(cell, "Warning", "DeletionBlocked", `${tenants} tenant(s) are still placed in this cell; delete them first`);
    return { requeueAfterMs: 10_000 };
  }
  const incoming = ctx.tenants.list().filter((t) => movingInto(t) === name).map((t) => t.metadata.name);
  if (incoming.length > 0) {
    ctx.record(cell, "Warning", "DeletionBlocked", `tenant(s) ${incoming.join(", ")} are moving into this cell; cancel their moves first`);
    return { requeueAfterMs: 10_000 };
  }
  if (cellNameProblem(name)) {
    // No schema was ever made for a name the database refuses (cell/provisioning/names.ts).
    ctx.record(cell, "Normal", "DatabaseRetained", "no schema or role exists for an invalid cell name");
  } else if (cell.spec.deletionPolicy === "Delete") {
    await ctx.db.dropCell(name);
    ctx.log.info({ cell: name }, "Dropped cell schema and role");
    ctx.record(cell, "Normal", "DatabaseDropped", "schema and role dropped (deletionPolicy Delete)");
  } else {
    ctx.record(cell, "Normal", "DatabaseRetained", "schema and role kept (deletionPolicy Retain)");
  }
  await removeFinalizer(ctx, cell, Finalizers.cellDatabase);
  forgetWorkloads(cell);
  return {};
}

/** Finalizer edits carry resourceVersion, so a concurrent writer makes this fail with 409 (retried). */
export async function removeFinalizer(ctx: OperatorContext, object: Cell | { metadata: Cell["metadata"] }, finalizer: string, plural = "cells"): Promise<void> {
  const finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  await ctx.kube.mergePatch(plural, object.metadata.name, { metadata: { finalizers, resourceVersion: object.metadata.resourceVersion } });
}

export async function addFinalizer(ctx: OperatorContext, object: { metadata: Cell["metadata"] }, finalizer: string, plural: string, labels?: Record<string, string>): Promise<void> {
  const finalizers = [...(object.metadata.finalizers ?? []), finalizer];
  await ctx.kube.mergePatch(plural, object.metadata.name, { metadata: { finalizers, resourceVersion: object.metadata.resourceVersion, ...(labels ? { labels } : {}) } });
}
