import { describe, expect, it } from "@jest/globals";
import type { Tenant, TenantStatus } from "../../api/v1alpha1/index.js";
import type { MoveRecord } from "../../../cell/moves/index.js";
import { CLEANUP_GRACE_MS, decideMove, HOLD_LIMIT_MS, HOLD_SETTLE_MS, RETRY_AFTER_ROLLBACK_MS, type MoveInputs } from "./decide.js";

const now = Date.parse("2026-11-22T02:00:00Z");
const schemaOf = (cell: string) => `cell_${cell.replaceAll("-", "_")}`;

function tenant(cell: string | undefined, status: TenantStatus = { cell: "shared-1", tenantId: "t" }): Tenant {
  return {
    apiVersion: "localstoreplatform.com/v1alpha1",
    kind: "Tenant",
    metadata: { name: "pho", uid: "u", generation: 2 },
    spec: { slug: "pho", displayName: "Phở", plan: "chain", owner: { phone: "+84901234567", name: "Lan" }, isolation: "shared", ...(cell ? { cell } : {}) },
    status,
  };
}

function move(phase: MoveRecord["phase"], extra: Partial<MoveRecord> = {}): MoveRecord {
  return { id: "u/2", tenantId: "t", sourceSchema: "cell_shared_1", targetSchema: "cell_chain_1", phase, idOffsets: {}, idLimits: {}, fenced: false, checkpointed: false, error: null, holdStartedAt: null, switchedAt: null, updatedAt: new Date(now - 1_000), ...extra };
}

function decide(overrides: Partial<MoveInputs>) {
  const inputs = { tenant: tenant("chain-1"), placedCell: "shared-1", move: undefined, schemaOf, targetReady: true, now, ...overrides };
  return decideMove({ destination: inputs.tenant.spec.cell, ...inputs });
}

describe("Given a tenant whose spec.cell names the cell it is placed in", () => {
  it("does nothing", () => {
    expect(decide({ tenant: tenant("shared-1") })).toEqual({ kind: "none" });
    expect(decide({ tenant: tenant(undefined) })).toEqual({ kind: "none" });
  });
});

describe("Given a tenant whose spec.cell was changed to another cell", () => {
  it("waits while the target cell is not ready, then copies", () => {
    expect(decide({ targetReady: false })).toMatchObject({ kind: "wait", afterMs: 10_000 });
    expect(decide({})).toEqual({ kind: "copy", to: "chain-1" });
  });

  it("resumes at each database phase after an operator restart", () => {
    expect(decide({ move: move("Copying") })).toEqual({ kind: "copy", to: "chain-1" });
    expect(decide({ move: move("CatchingUp") })).toEqual({ kind: "hold" });
    const holding = (at: number): TenantStatus => ({ cell: "shared-1", hold: true, move: { id: "u/2", phase: "Holding", from: "shared-1", to: "chain-1", holdStartedAt: new Date(at).toISOString() } });
    expect(decide({ move: move("CatchingUp"), tenant: tenant("chain-1", holding(now - 100)) })).toEqual({ kind: "switch", afterMs: HOLD_SETTLE_MS - 100 });
    expect(decide({ move: move("Holding"), tenant: tenant("chain-1", holding(now - 1_000)) })).toEqual({ kind: "switch", afterMs: 0 });
    expect(decide({ move: move("Verified"), tenant: tenant("chain-1", holding(now - 1_000)) })).toEqual({ kind: "switch", afterMs: 0 });
  });

  it("rolls back a hold the router has already given up on", () => {
    const stale: TenantStatus = { cell: "shared-1", hold: true, move: { id: "u/2", phase: "Verifying", from: "shared-1", to: "chain-1", holdStartedAt: new Date(now - HOLD_LIMIT_MS - 1).toISOString() } };
    expect(decide({ move: move("Holding"), tenant: tenant("chain-1", stale) })).toMatchObject({ kind: "rollback", outcome: "RolledBack" });
  });

  it("cancels when spec.cell is set back before the switch", () => {
    expect(decide({ tenant: tenant("shared-1"), move: move("CatchingUp") })).toMatchObject({ kind: "rollback", outcome: "Cancelled" });
    expect(decide({ tenant: tenant("other-2"), move: move("Holding") })).toMatchObject({ kind: "rollback", outcome: "Cancelled" });
  });

  it("only goes forward once switched: publishes the route, then cleans up after the grace period", () => {
    const switched = move("Switched", { switchedAt: new Date(now - 1_000) });
    // Spec set back after the switch: too late to cancel, the move completes.
    expect(decide({ tenant: tenant("shared-1"), move: switched, placedCell: "shared-1" })).toEqual({ kind: "publish" });
    const published: TenantStatus = { cell: "chain-1", hold: false, move: { id: "u/2", phase: "Switched", from: "shared-1", to: "chain-1" } };
    expect(decide({ tenant: tenant("chain-1", published), placedCell: "chain-1", move: switched })).toEqual({ kind: "cleanup", afterMs: CLEANUP_GRACE_MS - 1_000 });
    // Killed after the status write but before the cell label: publish again.
    expect(decide({ tenant: tenant("chain-1", published), placedCell: "shared-1", move: switched })).toEqual({ kind: "publish" });
  });
});

describe("Given a tenant whose last move to the wanted cell rolled back", () => {
  it("waits out the retry backoff, keeping the outcome visible, then copies again", () => {
    const rolledBack = move("RolledBack", { error: "the hold lasted too long", updatedAt: new Date(now - 1_000) });
    expect(decide({ lastMove: rolledBack })).toMatchObject({ kind: "wait", retry: true, afterMs: RETRY_AFTER_ROLLBACK_MS - 1_000, message: expect.stringMatching(/the hold lasted too long/) });
    expect(decide({ lastMove: { ...rolledBack, updatedAt: new Date(now - RETRY_AFTER_ROLLBACK_MS - 1) } })).toEqual({ kind: "copy", to: "chain-1" });
  });

  it("does not wait after a cancelled or finished move, or one to another cell", () => {
    expect(decide({ lastMove: move("Cancelled") })).toEqual({ kind: "copy", to: "chain-1" });
    expect(decide({ lastMove: move("Done") })).toEqual({ kind: "copy", to: "chain-1" });
    expect(decide({ lastMove: move("RolledBack", { targetSchema: "cell_other_2" }) })).toEqual({ kind: "copy", to: "chain-1" });
  });
});

describe("Given a destination other than spec.cell (a tenant made dedicated)", () => {
  it("moves there, and cancels a move whose target is no longer the destination", () => {
    expect(decide({ tenant: tenant(undefined), destination: "dedicated-pho" })).toEqual({ kind: "copy", to: "dedicated-pho" });
    expect(decide({ tenant: tenant(undefined), destination: undefined, move: move("CatchingUp") })).toMatchObject({ kind: "rollback", outcome: "Cancelled" });
  });
});

describe("Given an operator that died after the database recorded the move's end but before the status showed it", () => {
  it("finishes the ended move (idempotent clean-up, then the status)", () => {
    const showing = (phase: "CleaningUp" | "Verifying"): TenantStatus => ({ cell: "chain-1", move: { id: "u/2", phase, from: "shared-1", to: "chain-1" } });
    const done = move("Done");
    expect(decide({ tenant: tenant("chain-1", showing("CleaningUp")), placedCell: "chain-1", lastMove: done })).toEqual({ kind: "finish", move: done });
    const rolledBack = move("RolledBack");
    expect(decide({ tenant: tenant("chain-1", showing("Verifying")), lastMove: rolledBack })).toEqual({ kind: "finish", move: rolledBack });
    // Once the status shows the end, nothing more to finish.
    const shownDone: TenantStatus = { cell: "chain-1", move: { id: "u/2", phase: "Done", from: "shared-1", to: "chain-1" } };
    expect(decide({ tenant: tenant("chain-1", shownDone), placedCell: "chain-1", lastMove: done })).toEqual({ kind: "none" });
  });
});
