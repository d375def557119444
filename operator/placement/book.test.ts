import { describe, expect, it } from "@jest/globals";
import { PlacementBook, type ObservedState } from "./book.js";

describe("Given a PlacementBook over empty caches", () => {
  it("places a burst of shared tenants without exceeding capacity or creating a cell twice", async () => {
    const observed: ObservedState = { cells: [], assignments: new Map() };
    const book = new PlacementBook(() => observed, { sharedCellPrefix: "shared", sharedCellCapacity: 3 });
    const created: string[] = [];
    const decisions = Array.from({ length: 10 }, (_, i) => {
      const d = book.reserve(`t${i}`, { slug: `t${i}`, isolation: "shared" });
      if (d.kind === "create") created.push(d.cell);
      return d.kind === "wait" ? "wait" : d.cell;
    });
    expect(created).toEqual(["shared-1", "shared-2", "shared-3", "shared-4"]);
    const counts = book.occupancy();
    expect([...counts.values()].every((n) => n <= 3)).toBe(true);
    expect(decisions.filter((c) => c === "shared-4")).toHaveLength(1);
  });

  it("frees the slot of a released reservation (its write failed)", async () => {
    const book = new PlacementBook(() => ({ cells: [{ name: "shared-1", class: "shared", capacity: 1 }], assignments: new Map() }), { sharedCellPrefix: "shared", sharedCellCapacity: 1 });
    expect(book.reserve("a", { slug: "a", isolation: "shared" })).toEqual({ kind: "existing", cell: "shared-1" });
    book.release("a");
    const again = book.reserve("b", { slug: "b", isolation: "shared" });
    expect(again).toEqual({ kind: "existing", cell: "shared-1" });
  });

  it("does not count a tenant against itself when it is placed again", async () => {
    const book = new PlacementBook(() => ({ cells: [{ name: "shared-1", class: "shared", capacity: 1 }], assignments: new Map([["a", "shared-1"]]) }), { sharedCellPrefix: "shared", sharedCellCapacity: 1 });
    expect(book.reserve("a", { slug: "a", isolation: "shared" })).toEqual({ kind: "existing", cell: "shared-1" });
  });

  it("counts a tenant where the caches show it once they do, so a later move is counted in its new cell", async () => {
    const observed: ObservedState = { cells: [{ name: "shared-1", class: "shared", capacity: 1 }, { name: "shared-2", class: "shared", capacity: 1 }], assignments: new Map() };
    const book = new PlacementBook(() => observed, { sharedCellPrefix: "shared", sharedCellCapacity: 1 });
    expect(book.reserve("a", { slug: "a", isolation: "shared" })).toEqual({ kind: "existing", cell: "shared-1" });
    // The label lands, and later a move takes the tenant to shared-2.
    observed.assignments = new Map([["a", "shared-1"]]);
    expect(Object.fromEntries(book.occupancy())).toEqual({ "shared-1": 1 });
    observed.assignments = new Map([["a", "shared-2"]]);
    expect(Object.fromEntries(book.occupancy())).toEqual({ "shared-2": 1 });
    // shared-1 is free again for the next tenant.
    expect(book.reserve("b", { slug: "b", isolation: "shared" })).toEqual({ kind: "existing", cell: "shared-1" });
  });
});
