import { describe, expect, it } from "@jest/globals";
import type { Recommendation } from "../../ml/index.js";
import { approvalRates } from "./approvals.js";
import { CircuitBreaker } from "./breaker.js";
import type { MlClient, RecommendationsResult } from "./client.js";
import { refreshAll } from "./nightly.js";

describe("Given a circuit breaker with a threshold of 3", () => {
  it("opens on the third consecutive failure, not before, and a success resets the count", () => {
    const b = new CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 1_000, now: () => 0 });
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).toBe("closed");
    b.failure();
    expect(b.state).toBe("open");
    expect(b.allow()).toBe(false);
  });

  it("lets exactly one probe through when half-open, and re-opens if it fails", () => {
    let t = 0;
    const b = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 1_000, now: () => t });
    b.failure();
    t = 1_000;
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.failure();
    expect(b.state).toBe("open");
  });
});

describe("Given owners' decisions on recommendations", () => {
  it("reports the approval rate overall and per kind, ignoring pending ones", () => {
    const r = approvalRates([
      { kind: "combo", status: "approved" },
      { kind: "combo", status: "dismissed" },
      { kind: "prep_quantity", status: "approved" },
      { kind: "prep_quantity", status: "pending" },
    ]);
    expect(r.overall).toEqual({ approved: 2, dismissed: 1, pending: 1, rate: 2 / 3 });
    expect(r.byKind.prep_quantity!.rate).toBe(1);
    expect(approvalRates([{ kind: "combo", status: "pending" }]).overall.rate).toBeUndefined();
  });
});

describe("Given a nightly refresh over two locations, one failing to load", () => {
  it("returns only advice not seen before and keeps going past the failure", async () => {
    const rec = (id: string) => ({ id }) as Recommendation;
    const client = { refreshRecommendations: async (): Promise<RecommendationsResult> => ({ recommendations: [rec("old"), rec("new")], source: "ml", cached: false }) } as unknown as MlClient;
    const input = {} as never;
    const out = await refreshAll(
      client,
      [
        { tenantId: "t", locationId: "broken", load: () => Promise.reject(new Error("db down")) },
        { tenantId: "t", locationId: "ok", load: async () => input },
      ],
      async () => new Set(["old"]),
    );
    expect(out).toEqual([
      { tenantId: "t", locationId: "broken", source: "rules", fresh: [], error: "db down" },
      { tenantId: "t", locationId: "ok", source: "ml", fresh: [rec("new")] },
    ]);
  });
});
