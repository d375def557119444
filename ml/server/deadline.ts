// Work is CPU-bound and synchronous, so grpc-js cannot interrupt it when a deadline passes.
// Handlers check this between series and stop early instead of computing answers nobody reads.
import type { ServerUnaryCall } from "@grpc/grpc-js";

export class DeadlineExceeded extends Error {
  constructor(done: number, total: number) {
    super(`deadline exceeded after ${done} of ${total} series`);
    this.name = "DeadlineExceeded";
  }
}

export function deadlineOf(call: ServerUnaryCall<unknown, unknown>): number {
  const d = call.getDeadline();
  if (d instanceof Date) return d.getTime();
  return Number.isFinite(d) ? Number(d) : Infinity;
}

export function checkDeadline(deadline: number, call: ServerUnaryCall<unknown, unknown>, done: number, total: number): void {
  if (call.cancelled || Date.now() >= deadline) throw new DeadlineExceeded(done, total);
}
