// Admission before a move's hold: with a threshold no catch-up pass can meet (moveSettledBelow 0,
// as for a tenant that always writes faster than the move applies), the operator keeps the tenant
// served in its cell — never sets status.hold — and says why, until the move is cancelled.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { cellDatabaseNames } from "../../../cell/provisioning/index.js";
import { GROUP, VERSION, type Tenant } from "../../api/v1alpha1/index.js";
import type { OperatorHandle } from "../../manager.js";
import { adminPool, applyTenant, eventually, forceForget, getTenant, installCrds, startTestOperator, tenantManifest, testKube } from "../../testing/harness.js";
import { countRows, tenantAndNeighbourCell } from "./testing.js";

const kube = testKube();
const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const db = adminPool();
const instance = `ad${process.pid.toString(36)}${Date.now().toString(36).slice(-3)}`;
let operator: OperatorHandle;

beforeAll(async () => {
  await installCrds(kube);
  operator = await startTestOperator(instance, { sharedCellCapacity: 1, workers: 4, moveSettledBelow: 0 });
}, 90_000);

afterAll(async () => {
  await operator?.stop();
  await forceForget(kube, instance);
  await db.end();
});

describe("Given a move whose catch-up passes never settle", () => {
  const mover = `${instance}-com-ga`;
  const neighbour = `${instance}-hu-tieu`;
  const spec = { plan: "chain" as const, locations: [{ name: "Quận 5" }] };
  let before: Tenant;
  let targetCell: string;

  beforeAll(async () => {
    ({ before, targetCell } = await tenantAndNeighbourCell(kube, instance, { mover, neighbour }, spec, 10));
  }, 300_000);

  it("does not start a move into a cell without room, and says so", async () => {
    const capacity = (n: number) =>
      kube.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", name: targetCell, body: { spec: { capacity: n } } }, mergePatch);
    await capacity(1);
    try {
      await applyTenant(kube, tenantManifest(instance, mover, { ...spec, cell: targetCell }));
      const waiting = await eventually("move Pending", async () => {
        const t = await getTenant(kube, mover);
        return t?.status?.move?.phase === "Pending" && t.status.move.message?.includes("at capacity") ? t : undefined;
      }, 60_000, 100);
      expect(waiting.status!.move!.message).toBe(`Cell '${targetCell}' is at capacity (1)`);
      expect(waiting.status!.cell).toBe(before.status!.cell);
      expect(await countRows(db, cellDatabaseNames(targetCell).schema, "orders", before.status!.tenantId!)).toBe(0);
    } finally {
      await capacity(2);
    }
  }, 120_000);

  it("keeps serving the tenant from its cell without a hold, says why, and cancels cleanly", async () => {
    expect(targetCell).not.toBe(before.status!.cell);
    await applyTenant(kube, tenantManifest(instance, mover, { ...spec, cell: targetCell }));
    let holds = 0;
    const waiting = await eventually("move waiting to hold", async () => {
      const t = await getTenant(kube, mover);
      if (t?.status?.hold) holds++;
      return t?.status?.move?.phase === "CatchingUp" && t.status.move.message?.startsWith("waiting to hold") ? t : undefined;
    }, 120_000, 100);
    expect(waiting.status!.move!.message).toMatch(/^waiting to hold: the last catch-up pass applied \d+ changes \(the hold starts below 0\)/);
    expect(waiting.status!.cell).toBe(before.status!.cell);
    // Two more settle attempts (one every 5 s) and still no hold.
    const until = Date.now() + 11_000;
    while (Date.now() < until) {
      const t = await getTenant(kube, mover);
      if (t?.status?.hold) holds++;
      expect(t?.status?.move?.phase).toBe("CatchingUp");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(holds).toBe(0);

    // spec.cell cannot be removed once set: naming the cell it is in cancels the move.
    await applyTenant(kube, tenantManifest(instance, mover, { ...spec, cell: before.status!.cell! }));
    const cancelled = await eventually("move Cancelled", async () => {
      const t = await getTenant(kube, mover);
      return t?.status?.move?.phase === "Cancelled" ? t : undefined;
    }, 60_000, 100);
    expect(cancelled.status!.cell).toBe(before.status!.cell);
    expect(cancelled.status!.hold).toBe(false);
    const tenantId = before.status!.tenantId!;
    expect(await countRows(db, cellDatabaseNames(before.status!.cell!).schema, "orders", tenantId)).toBe(10);
    expect(await countRows(db, cellDatabaseNames(targetCell).schema, "orders", tenantId)).toBe(0);
  }, 240_000);

  it("ends the move first when the Tenant is deleted mid-move: rows archived in its cell, no copy, capture or move left", async () => {
    await applyTenant(kube, tenantManifest(instance, mover, { ...spec, cell: targetCell }));
    await eventually("move waiting to hold again", async () => {
      const t = await getTenant(kube, mover);
      return t?.status?.move?.phase === "CatchingUp" && t.status.move.message?.startsWith("waiting to hold") ? t : undefined;
    }, 120_000, 100);
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: mover });
    await eventually("Tenant gone", async () => (await getTenant(kube, mover)) === undefined, 60_000, 200);
    const tenantId = before.status!.tenantId!;
    const source = cellDatabaseNames(before.status!.cell!).schema;
    expect((await db.query(`select status from ${source}.tenants where id = $1`, [tenantId])).rows).toEqual([{ status: "archived" }]);
    expect(await countRows(db, cellDatabaseNames(targetCell).schema, "orders", tenantId)).toBe(0);
    expect((await db.query(`select count(*)::int as n from lsp_moves.moves where tenant_id = $1 and phase not in ('Done', 'RolledBack', 'Cancelled')`, [tenantId])).rows).toEqual([{ n: 0 }]);
    // The capture triggers are gone from the source: the neighbour's cell is not burdened by them.
    const triggers = await db.query(`select count(*)::int as n from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace ns on ns.oid = c.relnamespace where ns.nspname = $1 and t.tgname like 'lsp_move%'`, [source]);
    expect(triggers.rows).toEqual([{ n: 0 }]);
  }, 240_000);
});
