// Where routes come from. A source writes the table; the router never asks it per request.
import type { RouteTable } from "../route-table.js";

export interface RouteSource {
  /** For logs and /healthz. */
  readonly name: string;
  /** True once the source has delivered a complete picture at least once. */
  readonly synced: boolean;
  /**
   * Starts feeding `table`. Resolves when the first complete picture is in, or when the source
   * gives up waiting for it (the table then keeps what a snapshot gave it, and the source keeps
   * trying in the background). Never rejects because a backend is down.
   */
  start(table: RouteTable): Promise<void>;
  stop(): Promise<void>;
}
