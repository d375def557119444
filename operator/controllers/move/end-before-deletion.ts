// A Tenant deleted during a move: the move ends first, so the deletion archives or deletes the
// tenant's rows in the one cell that holds them and nothing of the move is left behind. Without
// this, a fenced source refuses the archive (the finalizer retried forever, the hold never
// lifted), and a move stopped before its fence left the target copy and the capture triggers.
import type { Tenant } from "../../api/v1alpha1/index.js";
import type { OperatorContext } from "../context.js";
import { cleanupSource, findActiveMove, rollbackMove } from "./cell.js";
import { withMoveClient } from "./database.js";
import { cellOfSchema } from "./reconcile.js";

/**
 * Ends the tenant's active move, if any, and returns the cell that holds its rows when the move
 * decided it: before the switch the source is authoritative, so the move is cancelled (fence
 * lifted, capture and target copy removed) and the rows stay where the Tenant is placed; from the
 * switch on the target is, so the move is finished (source copy removed) and the rows are there.
 */
export async function endMoveBeforeDeletion(ctx: OperatorContext, tenant: Tenant): Promise<string | undefined> {
  const tenantId = tenant.status?.tenantId;
  if (!tenantId) return undefined;
  return withMoveClient(ctx.db.url, async (admin) => {
    const move = await findActiveMove(admin, tenantId);
    if (!move) return undefined;
    if (move.phase === "Switched") {
      await cleanupSource(admin, move.id);
      const target = cellOfSchema(move.targetSchema, tenant);
      ctx.record(tenant, "Normal", "MoveDone", `the Tenant is being deleted: its move to cell ${target} is finished first`);
      return target;
    }
    await rollbackMove(admin, move.id, "the Tenant is being deleted", "Cancelled");
    ctx.record(tenant, "Normal", "MoveCancelled", "the Tenant is being deleted: its move is cancelled first; the data stays in its cell");
    return undefined;
  });
}
