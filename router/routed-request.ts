// What every proxied request does between its Host and its cell, whichever engine carries it:
// look the tenant up, wait (bounded) while the tenant is held for a move, then dispatch to the
// route's cell as the table stands at that moment.
import type { RouterErrorCode } from "./errors.js";
import type { HeldRequest, Route } from "./route-table.js";
import { lookup, type RouterState } from "./state.js";
import type { CellUpstream } from "./upstream.js";

export abstract class RoutedRequest implements HeldRequest {
  route: Route | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  done = false;

  constructor(
    readonly state: RouterState,
    readonly slug: string,
  ) {}

  /** Answers with the router's own error (before anything went to a cell). */
  abstract fail(code: RouterErrorCode): void;
  /** Sends the request to `cell`. */
  abstract dispatch(route: Route, cell: CellUpstream): void;

  /** Routes the request as the table stands now (again after a hold is released). */
  proceed(): void {
    if (this.done) return;
    const found = lookup(this.state, this.slug);
    if (typeof found === "string") return this.fail(found);
    this.route = found;
    if (found.spec.hold) return this.park(found);
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.dispatch(found, found.cell!);
  }

  release(): void {
    this.proceed();
  }

  park(route: Route): void {
    if (!this.state.table.hold(route, this)) return this.fail("ROUTER_ERR_HOLD_TIMEOUT");
    // The deadline counts from the first hold, however often the tenant flips back to held.
    this.holdTimer ??= setTimeout(onHoldTimeout, this.state.limits.holdTimeoutMs, this);
  }

  /** Stops waiting on a hold (the request ended some other way). */
  leaveHold(): void {
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    if (this.route?.held) this.state.table.unhold(this.route, this);
  }
}

function onHoldTimeout(request: RoutedRequest): void {
  request.holdTimer = undefined;
  if (request.route) request.state.table.unhold(request.route, request);
  request.fail("ROUTER_ERR_HOLD_TIMEOUT");
}
