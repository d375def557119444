import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ChildProcess } from "node:child_process";
import { GROUP, VERSION, type Cell, type Tenant } from "./api/v1alpha1/index.js";
import { PlatformDatabase } from "./database.js";
import { cellNamespace, Labels } from "./names.js";
import {
  adminPool,
  applyTenant,
  cellSchemasAndRoles,
  describeStuck,
  eventually,
  forceForget,
  installCrds,
  isReady,
  killHard,
  operatorLogTail,
  listOwn,
  spawnOperator,
  tenantManifest,
  testKube,
} from "./testing/harness.js";

const kube = testKube();
const db = adminPool();
const KILLS = Number(process.env.OPERATOR_KILLS ?? 8);
const SHARED = 10;
const CAPACITY = 3;

/** Runs the operator and kills it with SIGKILL at random moments, `kills` times, leaving one running. */
async function chaos(instance: string, kills: number, current: { child?: ChildProcess }, log: string[]): Promise<void> {
  for (let i = 0; i < kills; i++) {
    const after = 300 + Math.floor(Math.random() * 3_200);
    await new Promise((r) => setTimeout(r, after));
    await killHard(current.child!);
    log.push(`killed after ${after} ms`);
    current.child = spawnOperator(instance, `chaos-${i + 1}`, ["--no-leader-election", "--shared-cell-capacity", String(CAPACITY)]);
  }
}

/** Rethrows a timeout with what is stuck, the kills dealt and the operators' last log lines. */
const explain = (instance: string, log: string[], stuck?: (t: Tenant) => boolean) => async (error: Error): Promise<never> => {
  throw new Error(`${error.message}\n${await describeStuck(kube, instance, stuck)}\nkills: ${log.join(", ")}\noperator log (last lines):\n${operatorLogTail()}`);
};

const ownNamespaces = async (instance: string) =>
  (await kube.core.listNamespace({ labelSelector: `${Labels.instance}=${instance}` })).items.filter((n) => n.status?.phase !== "Terminating").map((n) => n.metadata!.name!).sort();

describe("Given the operator killed at random points during a burst of applies", () => {
  const instance = `k${process.pid.toString(36)}${Date.now().toString(36).slice(-3)}`;
  const current: { child?: ChildProcess } = {};
  const log: string[] = [];
  const sharedNames = Array.from({ length: SHARED }, (_, i) => `${instance}-s${i}`);
  const dedicatedNames = [`${instance}-d0`, `${instance}-d1`];

  beforeAll(async () => {
    await installCrds(kube);
  }, 60_000);

  afterAll(async () => {
    if (current.child) await killHard(current.child);
    const platform = new PlatformDatabase(process.env.DATABASE_URL!);
    try {
      await forceForget(kube, instance);
      // Drop what the Retain policy kept, so repeated runs do not accumulate schemas.
      const { schemas } = await cellSchemasAndRoles(db, instance);
      for (const s of schemas) await platform.dropCell(s.replace(/^cell_/, "").replaceAll("_", "-")).catch(() => {});
    } finally {
      await Promise.all([platform.close(), db.end()]);
    }
  }, 60_000);

  it("converges: every tenant Ready exactly once, no duplicate cells, none over capacity", async () => {
    current.child = spawnOperator(instance, "chaos-0", ["--no-leader-election", "--shared-cell-capacity", String(CAPACITY)]);
    const applies = Promise.all([
      ...sharedNames.map((n) => applyTenant(kube, tenantManifest(instance, n))),
      ...dedicatedNames.map((n) => applyTenant(kube, tenantManifest(instance, n, { plan: "chain", isolation: "dedicated", deletionPolicy: "Delete" }))),
    ]);
    await Promise.all([applies, chaos(instance, KILLS, current, log)]);
    process.stderr.write(`[converge] ${log.join(", ")}\n`);

    const tenants = await eventually("all tenants Ready", async () => {
      const all = await listOwn<Tenant>(kube, "tenants", instance);
      return all.length === SHARED + 2 && all.every(isReady) ? all : undefined;
    }, 180_000, 1_000).catch(explain(instance, log));

    const cells = await listOwn<Cell>(kube, "cells", instance);
    const shared = cells.filter((c) => c.spec.class === "shared").map((c) => c.metadata.name).sort();
    expect(shared).toEqual(Array.from({ length: Math.ceil(SHARED / CAPACITY) }, (_, i) => `${instance}-shared-${i + 1}`).sort());
    expect(cells.filter((c) => c.spec.class === "dedicated").map((c) => c.metadata.name).sort()).toEqual(dedicatedNames.map((n) => `dedicated-${n}`));

    const perCell = new Map<string, number>();
    for (const t of tenants) perCell.set(t.status!.cell!, (perCell.get(t.status!.cell!) ?? 0) + 1);
    for (const c of cells) expect(perCell.get(c.metadata.name) ?? 0).toBeLessThanOrEqual(c.spec.capacity);

    // Each tenant's row exists in exactly one cell: the one its status names.
    const { schemas, roles } = await cellSchemasAndRoles(db, instance);
    const cellSchemas = cells.map((c) => `cell_${c.metadata.name.replaceAll("-", "_")}`).sort();
    expect(schemas).toEqual(cellSchemas);
    expect(roles).toEqual(cellSchemas.map((s) => `${s}_api`));
    const rows = await db.query<{ schema: string; slug: string }>(cellSchemas.map((s) => `select '${s}' as schema, slug from ${s}.tenants`).join(" union all "));
    expect(rows.rows).toHaveLength(SHARED + 2);
    for (const t of tenants) expect(rows.rows.filter((r) => r.slug === t.spec.slug)).toEqual([{ schema: `cell_${t.status!.cell!.replaceAll("-", "_")}`, slug: t.spec.slug }]);

    expect(await ownNamespaces(instance)).toEqual(cells.map((c) => cellNamespace(c.metadata.name)).sort());
  }, 300_000);

  it("cleans up per policy when everything is deleted during more kills: no orphan cells, namespaces, schemas or roles", async () => {
    const del = (plural: string, name: string) => kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name });
    await Promise.all([Promise.all([...sharedNames, ...dedicatedNames].map((n) => del("tenants", n))), chaos(instance, Math.ceil(KILLS / 2), current, log)]);
    const remaining = () => true;
    await eventually("tenants gone", async () => (await listOwn(kube, "tenants", instance)).length === 0, 120_000, 1_000).catch(explain(instance, log, remaining));
    // Dedicated cells (policy Delete) follow their tenants; shared ones are deleted by hand.
    for (const c of await listOwn<Cell>(kube, "cells", instance)) if (c.spec.class === "shared") await del("cells", c.metadata.name).catch(() => {});
    await eventually("cells gone", async () => (await listOwn(kube, "cells", instance)).length === 0, 120_000, 1_000).catch(explain(instance, log, remaining));
    await eventually("namespaces gone", async () => (await ownNamespaces(instance)).length === 0, 120_000, 1_000);
    const { schemas, roles } = await cellSchemasAndRoles(db, instance);
    // Retain kept the shared cells' schemas (with archived tenants); Delete dropped the dedicated ones.
    const expected = Array.from({ length: Math.ceil(SHARED / CAPACITY) }, (_, i) => `cell_${instance}_shared_${i + 1}`).sort();
    expect(schemas).toEqual(expected);
    expect(roles).toEqual(expected.map((s) => `${s}_api`));
    for (const s of schemas) {
      const active = await db.query(`select count(*)::int as n from ${s}.tenants where status <> 'archived'`);
      expect(active.rows[0].n).toBe(0);
    }
  }, 300_000);
});
