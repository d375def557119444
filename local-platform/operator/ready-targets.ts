// The usage sync's targets, locally: only tenants whose cell process is up at the endpoint their
// status names. After a restart, Tenant statuses still carry the previous run's endpoints (cell
// ports are picked afresh) until the operator has started the cells again; syncing those would
// only fail with "connection refused". A skipped tenant keeps its cursor and is caught up in the
// first round after its cell is ready. (In a cluster an endpoint is a Service name that does not
// change, and an unreachable cell is worth the warning the sync logs.)
import type { SyncTarget } from "../../control-plane/rollups/index.js";
import type { RunningCell } from "./cell-processes.js";

export function readyCellTargets(all: () => Promise<SyncTarget[]>, cells: { get(cell: string): RunningCell | undefined }): () => Promise<SyncTarget[]> {
  return async () =>
    (await all()).filter((target) => {
      const cell = cells.get(target.cell);
      return cell?.apiReady === true && cell.endpoint === target.baseUrl;
    });
}
