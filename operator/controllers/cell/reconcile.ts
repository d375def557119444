// Cell reconciler: a chain of guarded steps, correct from any starting state, any number of times.
import { cellNameProblem } from "../../api/v1alpha1/index.js";
import { Finalizers } from "../../names.js";
import { isTrue } from "../../status.js";
import type { ReconcileResult } from "../../runtime/controller.js";
import type { OperatorContext } from "../context.js";
import { ensureCellDatabase } from "./database.js";
import { addFinalizer, finalizeCell } from "./delete.js";
import { desiredCellStatus, writeCellStatus } from "./status.js";
import { ensureNamespace, ensureWorkloads } from "./workloads.js";

export async function reconcileCell(ctx: OperatorContext, name: string): Promise<ReconcileResult> {
  const cell = ctx.cells.get(name);
  // Gone: the garbage collector removes its namespace; the finalizer already handled its database.
  if (!cell) return {};
  ctx.book.cellObserved(name);

  // Release what lives outside the cluster once the Cell is being deleted
  if (cell.metadata.deletionTimestamp) return finalizeCell(ctx, cell);

  // Refuse a name that does not map one-to-one onto a namespace and a schema, before any write (the
  // CRD refuses such names; a Cell stored before that rule may still have one)
  const problem = cellNameProblem(name);
  if (problem) {
    await writeCellStatus(ctx, cell, desiredCellStatus(ctx, cell, { namespace: { ready: false, reason: "InvalidName", message: problem }, database: { ready: false, message: problem } }));
    return {};
  }

  // Ensure the finalizer is on before the schema exists, so no schema outlives its Cell
  if (!cell.metadata.finalizers?.includes(Finalizers.cellDatabase)) {
    await addFinalizer(ctx, cell, Finalizers.cellDatabase, "cells");
    return {}; // the update event brings the Cell back with its new resourceVersion
  }

  // Ensure the namespace is there and the Cell's own (made anew if it was deleted; another Cell's is never taken)
  const namespace = await ensureNamespace(ctx, cell);
  if (!namespace.ready) {
    await writeCellStatus(ctx, cell, desiredCellStatus(ctx, cell, { namespace, database: { ready: false, message: namespace.message } }));
    return namespace.retryMs ? { requeueAfterMs: namespace.retryMs } : {};
  }

  // Ensure the database (its password Secret lives in the namespace)
  const database = await ensureCellDatabase(ctx, cell);
  if (!database.ready) ctx.record(cell, "Warning", "DatabaseFailed", database.message);
  else if (database.migrations !== undefined && cell.status?.conditions?.find((c) => c.type === "DatabaseReady")?.status !== "True") {
    ctx.record(cell, "Normal", "DatabaseReady", `schema ready with ${database.migrations} migration(s)`);
  }

  // Publish DatabaseReady at once: tenants can be provisioned while the workloads start
  if (database.ready && !isTrue(cell.status?.conditions, "DatabaseReady")) {
    await writeCellStatus(ctx, cell, desiredCellStatus(ctx, cell, { database, namespace }));
  }

  // Ensure the workloads only once the database they connect to exists
  if (database.ready) await ensureWorkloads(ctx, cell, { databaseSecretChecksum: database.secretChecksum });

  // Record what is ready
  await writeCellStatus(ctx, cell, desiredCellStatus(ctx, cell, { database, namespace }));
  return database.ready ? {} : { requeueAfterMs: 5_000 };
}
