import { describe, expect, it } from "@jest/globals";
import type { Cell, Tenant } from "../../api/v1alpha1/index.js";
import { Finalizers } from "../../names.js";
import { PlacementBook } from "../../placement/book.js";
import type { OperatorContext } from "../context.js";
import { finalizeCell } from "./delete.js";

const cell = { metadata: { name: "shared-2", finalizers: [Finalizers.cellDatabase], deletionTimestamp: "2026-11-22T00:00:00Z" }, spec: { deletionPolicy: "Delete" } } as unknown as Cell;

describe("Given a Cell being deleted with no tenant placed in it", () => {
  it("waits while a tenant is moving into it, naming the tenant", async () => {
    const moving = { metadata: { name: "pho-bo" }, status: { cell: "shared-1", move: { phase: "CatchingUp", to: "shared-2" } } } as unknown as Tenant;
    const events: string[] = [];
    const ctx = {
      book: new PlacementBook(() => ({ cells: [], assignments: new Map() }), { sharedCellPrefix: "shared", sharedCellCapacity: 2 }),
      tenants: { list: () => [moving] },
      record: (_o: unknown, _t: string, reason: string, message: string) => events.push(`${reason}: ${message}`),
    } as unknown as OperatorContext;
    expect(await finalizeCell(ctx, cell)).toEqual({ requeueAfterMs: 10_000 });
    expect(events).toEqual(["DeletionBlocked: tenant(s) pho-bo are moving into this cell; cancel their moves first"]);
  });
});
