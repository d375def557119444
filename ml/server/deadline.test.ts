import { describe, expect, it } from "@jest/globals";
import type { ServerUnaryCall } from "@grpc/grpc-js";
import { deadlineOf, MAX_CALL_MS } from "./deadline.js";

const callWith = (deadline: Date | number) => ({ getDeadline: () => deadline }) as unknown as ServerUnaryCall<unknown, unknown>;

describe("Given a call's deadline", () => {
  const now = Date.parse("2026-11-22T10:00:00Z");

  it("keeps a caller's nearer deadline", () => {
    expect(deadlineOf(callWith(new Date(now + 2_000)), now)).toBe(now + 2_000);
  });

  it("bounds a call with no deadline, or a far one, by the server's own limit", () => {
    expect(deadlineOf(callWith(Infinity), now)).toBe(now + MAX_CALL_MS);
    expect(deadlineOf(callWith(new Date(now + 3_600_000)), now)).toBe(now + MAX_CALL_MS);
  });
});
