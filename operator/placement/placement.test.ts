import { describe, expect, it } from "@jest/globals";
import { placeTenant, type PlacementCell, type PlacementView } from "./placement.js";

const view = (cells: PlacementCell[], occupancy: Record<string, number> = {}): PlacementView => ({
  cells,
  occupancy: new Map(Object.entries(occupancy)),
  sharedCellPrefix: "shared",
});
const shared = (name: string, capacity = 10, deleting = false): PlacementCell => ({ name, class: "shared", capacity, deleting });

describe("Given a shared tenant", () => {
  const tenant = { slug: "pho-bo-hanoi", isolation: "shared" as const };

  it("goes to the shared cell with the most free capacity", () => {
    const decision = placeTenant(tenant, view([shared("shared-1"), shared("shared-2"), shared("shared-3", 20)], { "shared-1": 2, "shared-2": 1, "shared-3": 12 }));
    expect(decision).toEqual({ kind: "existing", cell: "shared-2" });
  });

  it("breaks ties by name in numeric order", () => {
    expect(placeTenant(tenant, view([shared("shared-10"), shared("shared-2")]))).toEqual({ kind: "existing", cell: "shared-2" });
  });

  it("skips full, deleting and dedicated cells", () => {
    const cells = [shared("shared-1", 1), shared("shared-2", 10, true), { name: "dedicated-x", class: "dedicated" as const, capacity: 1 }];
    expect(placeTenant(tenant, view(cells, { "shared-1": 1 }))).toEqual({ kind: "create", cell: "shared-3", class: "shared" });
  });

  it("creates shared-1 when there is no cell at all, and reuses the lowest free index", () => {
    expect(placeTenant(tenant, view([]))).toEqual({ kind: "create", cell: "shared-1", class: "shared" });
    expect(placeTenant(tenant, view([shared("shared-2", 1)], { "shared-2": 1 }))).toEqual({ kind: "create", cell: "shared-1", class: "shared" });
  });
});

describe("Given a dedicated tenant", () => {
  const tenant = { slug: "com-tam-sai-gon", isolation: "dedicated" as const };

  it("gets its own cell named after its slug", () => {
    expect(placeTenant(tenant, view([shared("shared-1")]))).toEqual({ kind: "create", cell: "dedicated-com-tam-sai-gon", class: "dedicated" });
  });

  it("reuses its dedicated cell once it exists (placement is idempotent)", () => {
    const cells = [{ name: "dedicated-com-tam-sai-gon", class: "dedicated" as const, capacity: 1 }];
    expect(placeTenant(tenant, view(cells))).toEqual({ kind: "existing", cell: "dedicated-com-tam-sai-gon" });
  });

  it("waits when a shared cell already has its dedicated cell's name", () => {
    expect(placeTenant(tenant, view([shared("dedicated-com-tam-sai-gon")]))).toMatchObject({ kind: "wait", reason: "CellClassMismatch" });
  });
});

describe("Given a tenant pinned to a cell", () => {
  it("uses the pinned cell, or waits with the reason when it cannot", () => {
    const t = (pinnedCell: string) => ({ slug: "a", isolation: "shared" as const, pinnedCell });
    const cells = [shared("shared-1", 1), shared("shared-2"), shared("old", 10, true)];
    const v = view(cells, { "shared-1": 1 });
    expect(placeTenant(t("shared-2"), v)).toEqual({ kind: "existing", cell: "shared-2" });
    expect(placeTenant(t("shared-1"), v)).toMatchObject({ kind: "wait", reason: "CellFull" });
    expect(placeTenant(t("old"), v)).toMatchObject({ kind: "wait", reason: "CellDeleting" });
    expect(placeTenant(t("nope"), v)).toMatchObject({ kind: "wait", reason: "CellNotFound" });
  });
});
