// The usage sync's targets, locally: only tenants whose cell process is up, at the endpoint that
// process answers on now. Cell ports are picked afresh whenever a cell's processes start (a
// platform restart, a version change), and a Tenant's status names the new one only once the
// operator has caught up; syncing from the status would only fail with "connection refused".
// A tenant whose cell is not up yet keeps its cursor and is caught up in the first round after
// the cell is ready. (In a cluster an endpoint is a Service name that does not change, and an
// unreachable cell is worth the warning the sync logs.)
import type { SyncTarget } from "../../control-plane/rollups/index.js";
import type { RunningCell } from "./cell-processes.js";

export function readyCellTargets(all: () => Promise<SyncTarget[]>, cells: { get(cell: string): RunningCell | undefined }): () => Promise<SyncTarget[]> {
  return async () => {
    const ready: SyncTarget[] = [];
    for (const target of await all()) {
      const cell = cells.get(target.cell);
      if (cell?.apiReady === true) ready.push({ ...target, baseUrl: cell.endpoint });
    }
    return ready;
  };
}
