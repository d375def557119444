import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { cellDatabaseNames } from "../../../cell/provisioning/index.js";
import { seedMenu, writeOrder } from "../../../cell/moves/testing.js";
import { countRows, readyTenant as readyTenantOf, tenantAndNeighbourCell } from "./testing.js";
import { GROUP, VERSION, type Cell, type Tenant } from "../../api/v1alpha1/index.js";
import type { OperatorHandle } from "../../manager.js";
import { dedicatedCellName } from "../../names.js";
import { adminPool, applyTenant, eventually, forceForget, getTenant, installCrds, isReady, startTestOperator, tenantManifest, testKube } from "../../testing/harness.js";

const kube = testKube();
const db = adminPool();
const instance = `mv${process.pid.toString(36)}${Date.now().toString(36).slice(-3)}`;
let operator: OperatorHandle;

const readyTenant = (n: string) => readyTenantOf(kube, n);
const count = (schema: string, table: string, tenantId: string) => countRows(db, schema, table, tenantId);

beforeAll(async () => {
  await installCrds(kube);
  // Capacity 1: the two tenants land in two different shared cells.
  operator = await startTestOperator(instance, { sharedCellCapacity: 1, workers: 4 });
}, 90_000);

afterAll(async () => {
  await operator?.stop();
  await forceForget(kube, instance);
  await db.end();
});

describe("Given a Tenant whose spec.cell is changed with kubectl apply", () => {
  const mover = `${instance}-pho-bo`;
  const neighbour = `${instance}-bun-cha`;
  let before: Tenant;
  let targetCell: string;

  beforeAll(async () => {
    ({ before, targetCell } = await tenantAndNeighbourCell(kube, instance, { mover, neighbour }, { plan: "chain", locations: [{ name: "Quận 1" }, { name: "Quận 3" }] }, 25));
  }, 300_000);

  it("copies, holds, verifies, switches the route and cleans up, ending Done in the new cell with every row", async () => {
    expect(targetCell).not.toBe(before.status!.cell);
    await applyTenant(kube, tenantManifest(instance, mover, { plan: "chain", locations: [{ name: "Quận 1" }, { name: "Quận 3" }], cell: targetCell }));
    const phases = new Set<string>();
    const done = await eventually("move Done", async () => {
      const t = await getTenant(kube, mover);
      if (t?.status?.move?.phase) phases.add(t.status.move.phase);
      return t?.status?.move?.phase === "Done" || (t?.status?.cell === targetCell && isReady(t) && !t.status.move) ? t : undefined;
    }, 120_000, 100);
    expect(["RolledBack", "Cancelled"].some((p) => phases.has(p))).toBe(false);
    const moved = await readyTenant(mover);
    expect(moved.status!.cell).toBe(targetCell);
    expect(moved.status!.tenantId).toBe(before.status!.tenantId);
    expect(moved.status!.hold).toBe(false);
    expect(done.metadata.labels?.["localstoreplatform.com/cell"]).toBe(targetCell);
    const tenantId = before.status!.tenantId!;
    const target = cellDatabaseNames(targetCell).schema;
    const source = cellDatabaseNames(before.status!.cell!).schema;
    expect(await count(target, "orders", tenantId)).toBe(25);
    expect(await count(target, "payments", tenantId)).toBe(25);
    expect(await count(target, "locations", tenantId)).toBe(2);
    expect(await count(source, "orders", tenantId)).toBe(0);
    expect(await count(source, "tenants", tenantId)).toBe(0);
    // The neighbour in the target cell kept its place and its data.
    expect(isReady(await getTenant(kube, neighbour))).toBe(true);
  }, 180_000);
});

describe("Given a placed shared Tenant whose isolation is changed to dedicated", () => {
  const name = `${instance}-lau-de`;
  const spec = { plan: "chain" as const, locations: [{ name: "Bình Thạnh" }] };

  it("moves it, with its orders, into a new dedicated cell of its own", async () => {
    await applyTenant(kube, tenantManifest(instance, name, spec));
    const before = await readyTenant(name);
    const tenantId = before.status!.tenantId!;
    const source = cellDatabaseNames(before.status!.cell!).schema;
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${source}` });
    await client.connect();
    const seeded = await seedMenu(client, source, tenantId);
    for (let n = 0; n < 10; n++) await writeOrder(client, seeded, n);
    await client.end();

    await applyTenant(kube, tenantManifest(instance, name, { ...spec, isolation: "dedicated" }));
    const dedicated = dedicatedCellName(name);
    const moved = await eventually(`moved to ${dedicated}`, async () => {
      const t = await getTenant(kube, name);
      return t?.status?.cell === dedicated && t.status.move?.phase === "Done" && isReady(t) ? t : undefined;
    }, 180_000, 250).catch(async (error: Error) => {
      throw new Error(`${error.message}; status ${JSON.stringify((await getTenant(kube, name))?.status)}`);
    });
    expect(moved.status!.tenantId).toBe(tenantId);
    expect(moved.metadata.labels?.["localstoreplatform.com/cell"]).toBe(dedicated);
    // The cell was created as for a new dedicated tenant: dedicated class, owned by the Tenant.
    const cell = (await kube.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", name: dedicated })) as Cell;
    expect(cell.spec.class).toBe("dedicated");
    expect(cell.metadata.ownerReferences?.map((o) => o.name)).toEqual([name]);
    expect(await count(cellDatabaseNames(dedicated).schema, "orders", tenantId)).toBe(10);
    expect(await count(source, "orders", tenantId)).toBe(0);
    expect(await count(source, "tenants", tenantId)).toBe(0);
  }, 240_000);
});
