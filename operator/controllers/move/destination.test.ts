import { describe, expect, it } from "@jest/globals";
import type { Cell, Tenant } from "../../api/v1alpha1/index.js";
import { PlacementBook } from "../../placement/book.js";
import type { OperatorContext } from "../context.js";
import { moveDestination } from "./destination.js";

const cell = (name: string, cls: "shared" | "dedicated", capacity: number, owner?: string): Cell =>
  ({ metadata: { name, ...(owner ? { ownerReferences: [{ kind: "Tenant", uid: owner }] } : {}) }, spec: { class: cls, capacity } }) as unknown as Cell;

function context(cells: Cell[], placed: [string, string][], tenants: Tenant[] = []): OperatorContext {
  const view = cells.map((c) => ({ name: c.metadata.name, class: c.spec.class, capacity: c.spec.capacity }));
  const book = new PlacementBook(() => ({ cells: view, assignments: new Map(placed) }), { sharedCellPrefix: "shared", sharedCellCapacity: 2 });
  return { cells: { list: () => cells, get: (n: string) => cells.find((c) => c.metadata.name === n) }, tenants: { list: () => tenants }, book, config: { sharedCellPrefix: "shared" } } as unknown as OperatorContext;
}

const mover = (cellName: string, phase?: string): Tenant =>
  ({ metadata: { name: "mover", uid: "uid-mover" }, spec: { slug: "mover", isolation: "shared", cell: cellName }, status: phase ? { move: { phase } } : {} }) as unknown as Tenant;

describe("Given spec.cell naming another cell than the tenant's", () => {
  const cells = [cell("shared-1", "shared", 2), cell("shared-2", "shared", 1), cell("dedicated-chain", "dedicated", 1, "uid-chain")];

  it("moves into a shared cell with room", async () => {
    expect(await moveDestination(context(cells, [["mover", "shared-1"]]), mover("shared-2"), "shared-1")).toEqual({ cell: "shared-2" });
  });

  it("waits, saying why, for a full cell or another tenant's dedicated cell", async () => {
    const ctx = context(cells, [["mover", "shared-1"], ["other", "shared-2"]]);
    expect(await moveDestination(ctx, mover("shared-2"), "shared-1")).toEqual({ wait: "Cell 'shared-2' is at capacity (1)" });
    expect(await moveDestination(context(cells, [["mover", "shared-1"]]), mover("dedicated-chain"), "shared-1")).toEqual({ wait: "Cell 'dedicated-chain' is dedicated to another tenant" });
  });

  it("counts a tenant already moving in, so two moves cannot take one last slot", async () => {
    const movingIn = { metadata: { name: "early" }, spec: { slug: "early" }, status: { move: { phase: "CatchingUp", to: "shared-2" } } } as unknown as Tenant;
    const ctx = context(cells, [["mover", "shared-1"], ["early", "shared-1"]], [movingIn]);
    expect(await moveDestination(ctx, mover("shared-2"), "shared-1")).toEqual({ wait: "Cell 'shared-2' is at capacity (1)" });
  });

  it("does not stall a move already under way when its target fills up", async () => {
    const ctx = context(cells, [["mover", "shared-1"], ["other", "shared-2"]]);
    expect(await moveDestination(ctx, mover("shared-2", "Holding"), "shared-1")).toEqual({ cell: "shared-2" });
  });
});
