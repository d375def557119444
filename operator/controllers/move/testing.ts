// Set-up the move controller's integration tests share: a Tenant with orders in one shared cell
// and a neighbour placed in another (the operator runs with sharedCellCapacity 1), so changing
// spec.cell to the neighbour's cell starts a move. That cell is then given room for a second
// tenant: a move into a full cell waits (the placement rules hold for moves too).
import pg from "pg";
import { cellDatabaseNames } from "../../../cell/provisioning/index.js";
import { seedMenu, writeOrder } from "../../../cell/moves/testing.js";
import * as k8s from "@kubernetes/client-node";
import { GROUP, VERSION, type Tenant, type TenantSpec } from "../../api/v1alpha1/index.js";
import { applyTenant, eventually, getTenant, isReady, tenantManifest, type TestKube } from "../../testing/harness.js";

export const readyTenant = (kube: TestKube, name: string): Promise<Tenant> =>
  eventually(`Tenant ${name} Ready`, async () => {
    const t = await getTenant(kube, name);
    return isReady(t) && t?.status?.tenantId ? t : undefined;
  }, 120_000);

/** Rows of one table that belong to the tenant, in one cell's schema. */
export async function countRows(db: pg.Pool, schema: string, table: string, tenantId: string): Promise<number> {
  const col = table === "tenants" ? "id" : "tenant_id";
  return (await db.query<{ n: number }>(`select count(*)::int as n from ${schema}.${table} where ${col} = $1`, [tenantId])).rows[0]!.n;
}

/** Places `mover` (with `orders` orders) and `neighbour`; returns the mover as placed and the neighbour's cell. */
export async function tenantAndNeighbourCell(
  kube: TestKube,
  instance: string,
  names: { mover: string; neighbour: string },
  spec: Partial<TenantSpec>,
  orders: number,
): Promise<{ before: Tenant; targetCell: string }> {
  await applyTenant(kube, tenantManifest(instance, names.mover, spec));
  const before = await readyTenant(kube, names.mover);
  await applyTenant(kube, tenantManifest(instance, names.neighbour));
  const targetCell = (await readyTenant(kube, names.neighbour)).status!.cell!;
  await kube.custom.patchClusterCustomObject(
    { group: GROUP, version: VERSION, plural: "cells", name: targetCell, body: { spec: { capacity: 2 } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  const source = cellDatabaseNames(before.status!.cell!).schema;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${source}` });
  await client.connect();
  try {
    const seeded = await seedMenu(client, source, before.status!.tenantId!);
    for (let n = 0; n < orders; n++) await writeOrder(client, seeded, n);
  } finally {
    await client.end();
  }
  return { before, targetCell };
}
