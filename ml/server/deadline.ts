// Work is CPU-bound and synchronous, so grpc-js cannot interrupt it when a deadline passes.
// Handlers check this between series and stop early instead of computing answers nobody reads.
import type { ServerUnaryCall } from "@grpc/grpc-js";

export class DeadlineExceeded extends Error {
  constructor(done: number, total: number) {
    super(`deadline exceeded after ${done} of ${total} series`);
    this.name = "DeadlineExceeded";
  }
}

/**
 * The server's own bound on any call: a caller that sets no deadline (or a far one) must not
 * hold the event loop, and with it the health probe, for minutes.
 */
export const MAX_CALL_MS = 30_000;

export function deadlineOf(call: ServerUnaryCall<unknown, unknown>, now = Date.now()): number {
  const d = call.getDeadline();
  const asked = d instanceof Date ? d.getTime() : Number.isFinite(d) ? Number(d) : Infinity;
  return Math.min(asked, now + MAX_CALL_MS);
}

export function checkDeadline(deadline: number, call: ServerUnaryCall<unknown, unknown>, done: number, total: number): void {
  if (call.cancelled || Date.now() >= deadline) throw new DeadlineExceeded(done, total);
}
