import { describe, expect, it } from "@jest/globals";
import type { Tenant } from "../../api/v1alpha1/index.js";
import { PlacementBook } from "../../placement/book.js";
import type { OperatorContext } from "../context.js";
import { slugTaken } from "./placement.js";

const tenant = (name: string, createdAt: string): Tenant => ({ metadata: { name, creationTimestamp: createdAt }, spec: { slug: "pho-bo" } }) as unknown as Tenant;

function context(tenants: Tenant[], placed: [string, string][]): OperatorContext {
  const book = new PlacementBook(() => ({ cells: [], assignments: new Map(placed) }), { sharedCellPrefix: "shared", sharedCellCapacity: 10 });
  return { tenants: { list: () => tenants }, book } as unknown as OperatorContext;
}

describe("Given two Tenants claiming one slug", () => {
  const a = tenant("a", "2026-11-22T10:00:00Z");
  const b = tenant("b", "2026-11-22T10:00:00Z");

  it("lets the one created first (then the lowest name) have it while neither is placed", () => {
    const ctx = context([a, b], []);
    expect(slugTaken(ctx, a)).toBeUndefined();
    expect(slugTaken(ctx, b)).toMatchObject({ wait: { reason: "SlugTaken" } });
  });

  it("leaves it with the one already placed, even when the other was created first", () => {
    // b was placed before a reached the cache (same second, so a's name would have won).
    const ctx = context([a, b], [["b", "shared-1"]]);
    expect(slugTaken(ctx, a)).toMatchObject({ wait: { reason: "SlugTaken", message: "slug 'pho-bo' belongs to Tenant b" } });
  });
});
