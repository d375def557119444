import { describe, expect, it } from "@jest/globals";
import type { Cell, Tenant, TenantMovePhase } from "../operator/api/v1alpha1/index.js";
import { planRebalance, RebalanceError } from "./rebalance.js";

const ready = [{ type: "Ready", status: "True" as const, reason: "Ready", message: "", lastTransitionTime: "2026-11-22T00:00:00Z" }];

function cell(name: string, capacity: number, extra: { class?: "shared" | "dedicated"; ready?: boolean; deleting?: boolean } = {}): Cell {
  return {
    apiVersion: "localstoreplatform.com/v1alpha1",
    kind: "Cell",
    metadata: { name, ...(extra.deleting ? { deletionTimestamp: "2026-11-22T00:00:00Z" } : {}) },
    spec: { class: extra.class ?? "shared", capacity, version: "0.1.0", api: { replicas: 1 }, ml: { replicas: 1 }, redis: { enabled: true }, deletionPolicy: "Retain" },
    status: { conditions: extra.ready === false ? [] : ready },
  };
}

function tenant(name: string, at: string, locations: number, extra: { plan?: Tenant["spec"]["plan"]; cell?: string; moving?: TenantMovePhase; isolation?: "shared" | "dedicated" } = {}): Tenant {
  return {
    apiVersion: "localstoreplatform.com/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      slug: name,
      displayName: name,
      plan: extra.plan ?? "growth",
      owner: { phone: "+84901234567", name: "Lan" },
      isolation: extra.isolation ?? "shared",
      locations: Array.from({ length: locations }, (_, i) => ({ name: `L${i}` })),
      ...(extra.cell ? { cell: extra.cell } : {}),
    },
    status: { cell: at, ...(extra.moving ? { move: { id: "m", phase: extra.moving, from: at, to: "x" } } : {}) },
  };
}

const cells = [cell("hot", 4), cell("cool-a", 4), cell("cool-b", 4)];

describe("Given a hot shared cell and two cooler ones", () => {
  const tenants = [
    tenant("small", "hot", 1),
    tenant("big", "hot", 5),
    tenant("mid-chain", "hot", 3, { plan: "chain" }),
    tenant("mid-growth", "hot", 3),
    tenant("resident-a", "cool-a", 1),
  ];

  it("moves the biggest tenants first (locations, then plan), each to the cell with the most free room", () => {
    expect(planRebalance("hot", cells, tenants, { max: 3 })).toEqual([
      { tenant: "big", locations: 5, plan: "growth", from: "hot", to: "cool-b" },
      { tenant: "mid-chain", locations: 3, plan: "chain", from: "hot", to: "cool-a" },
      { tenant: "mid-growth", locations: 3, plan: "growth", from: "hot", to: "cool-b" },
    ]);
  });

  it("moves one tenant by default, and only to the cell --to names", () => {
    expect(planRebalance("hot", cells, tenants, { max: 1 }).map((m) => m.tenant)).toEqual(["big"]);
    expect(planRebalance("hot", cells, tenants, { max: 2, to: "cool-a" }).map((m) => m.to)).toEqual(["cool-a", "cool-a"]);
  });

  it("stops at the target's free room, counting tenants already on their way there", () => {
    const onTheWay = [...tenants, tenant("arriving", "cool-b", 1, { cell: "cool-a" }), tenant("arriving-2", "hot", 1, { cell: "cool-a", moving: "Copying" })];
    // cool-a: resident-a, arriving, arriving-2 = 3 of 4.
    expect(planRebalance("hot", cells, onTheWay, { max: 3, to: "cool-a" }).map((m) => m.tenant)).toEqual(["big"]);
  });
});

describe("Given tenants that must stay", () => {
  it("skips tenants already moving, pinned elsewhere or dedicated", () => {
    const tenants = [
      tenant("moving", "hot", 9, { cell: "cool-a", moving: "Holding" }),
      tenant("pending", "hot", 8, { moving: "Pending" }),
      tenant("dedicated", "hot", 7, { isolation: "dedicated", plan: "chain" }),
      tenant("free", "hot", 1),
    ];
    expect(planRebalance("hot", cells, tenants, { max: 5 }).map((m) => m.tenant)).toEqual(["free"]);
  });

  it("never picks a cell that is not Ready, is short of replicas (Available False), is being deleted or is dedicated", () => {
    const degraded = cell("degraded", 4);
    degraded.status!.conditions = [...ready, { type: "Available", status: "False", reason: "ReplicasUnavailable", message: "", lastTransitionTime: "2026-11-22T00:00:00Z" }];
    const others = [cell("hot", 4), cell("starting", 4, { ready: false }), degraded, cell("leaving", 4, { deleting: true }), cell("dedicated-x", 1, { class: "dedicated" })];
    expect(() => planRebalance("hot", others, [tenant("a", "hot", 1)], { max: 1 })).toThrow(/no other Ready shared cell has room/);
    expect(() => planRebalance("hot", others, [tenant("a", "hot", 1)], { max: 1, to: "starting" })).toThrow(/--to: cell "starting" cannot take tenants/);
    expect(() => planRebalance("hot", others, [tenant("a", "hot", 1)], { max: 1, to: "degraded" })).toThrow(/--to: cell "degraded" cannot take tenants/);
  });
});

describe("Given bad arguments", () => {
  it("names what is wrong", () => {
    expect(() => planRebalance("nope", cells, [], { max: 1 })).toThrow(/cell "nope" not found/);
    expect(() => planRebalance("hot", cells, [], { max: 0 })).toThrow(/--max: expected a positive whole number, got 0/);
    expect(() => planRebalance("hot", cells, [], { max: Number.NaN })).toThrow(RebalanceError);
    expect(() => planRebalance("hot", cells, [], { max: 1, to: "hot" })).toThrow(/is the cell being rebalanced/);
    expect(() => planRebalance("hot", cells, [], { max: 1, to: "ghost" })).toThrow(/--to: cell "ghost" not found/);
    expect(() => planRebalance("dedicated-x", [cell("dedicated-x", 1, { class: "dedicated" })], [], { max: 1 })).toThrow(/only shared cells are rebalanced/);
  });

  it("plans nothing for a cell with no movable tenant", () => {
    expect(planRebalance("hot", cells, [], { max: 3 })).toEqual([]);
  });
});
