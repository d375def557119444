import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { GROUP, VERSION, type Cell, type Tenant } from "./api/v1alpha1/index.js";
import type { OperatorHandle } from "./manager.js";
import { cellNamespace, Finalizers } from "./names.js";
import {
  adminPool,
  applyTenant,
  cellSchemasAndRoles,
  eventually,
  forceForget,
  getTenant,
  installCrds,
  isReady,
  listOwn,
  startTestOperator,
  tenantManifest,
  testKube,
} from "./testing/harness.js";

const kube = testKube();
const jsonPatchOptions = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);
const db = adminPool();
const instance = `o${process.pid.toString(36)}${Date.now().toString(36).slice(-3)}`;
const name = (slug: string) => `${instance}-${slug}`;
let operator: OperatorHandle;

const readyTenant = (n: string, timeoutMs = 90_000) =>
  eventually(`Tenant ${n} Ready`, async () => {
    const t = await getTenant(kube, n);
    return isReady(t) ? t : undefined;
  }, timeoutMs);

const getCell = (n: string) => kube.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", name: n }).then((c) => c as Cell, () => undefined);

beforeAll(async () => {
  await installCrds(kube);
  operator = await startTestOperator(instance, { sharedCellCapacity: 2, workers: 4 });
}, 90_000);

afterAll(async () => {
  await operator?.stop();
  await forceForget(kube, instance);
  await db.end();
});

describe("Given shared and dedicated Tenants applied", () => {
  const shared = [name("pho-bo"), name("bun-cha"), name("banh-mi")];
  const dedicated = name("com-tam");

  beforeAll(async () => {
    for (const n of shared) await applyTenant(kube, tenantManifest(instance, n));
    await applyTenant(kube, tenantManifest(instance, dedicated, {
      plan: "chain",
      isolation: "dedicated",
      displayName: "Cơm Tấm Sài Gòn",
      deletionPolicy: "Delete",
      locations: [{ name: "Quận 1" }, { name: "Quận 3" }, { name: "Đà Nẵng", timezone: "Asia/Bangkok" }],
    }));
  }, 30_000);

  it("makes every tenant Ready with its URL, cell and endpoint for the router", async () => {
    for (const n of [...shared, dedicated]) {
      const t = await readyTenant(n);
      expect(t.status).toMatchObject({ url: `https://${n}.localstoreplatform.com`, hold: false, observedGeneration: t.metadata.generation });
      expect(t.status?.endpoint).toBe(`http://cell-api.${cellNamespace(t.status!.cell!)}.svc.cluster.local:8080`);
      expect(t.status?.conditions?.map((c) => [c.type, c.status])).toEqual([["Placed", "True"], ["Provisioned", "True"], ["Routable", "True"], ["Ready", "True"]]);
      expect(t.metadata.finalizers).toContain(Finalizers.tenantData);
    }
  }, 180_000);

  it("packs shared tenants into shared cells within capacity, creating one when all are full", async () => {
    const tenants = await Promise.all(shared.map((n) => getTenant(kube, n)));
    const cells = tenants.map((t) => t!.status!.cell!);
    expect(new Set(cells)).toEqual(new Set([`${instance}-shared-1`, `${instance}-shared-2`]));
    const own = await listOwn<Cell>(kube, "cells", instance);
    const sharedCells = own.filter((c) => c.spec.class === "shared");
    expect(sharedCells).toHaveLength(2);
    await eventually("cell occupancy recorded", async () => {
      const counts = await Promise.all(sharedCells.map((c) => getCell(c.metadata.name).then((x) => x?.status?.tenants ?? 0)));
      return counts.reduce((a, b) => a + b, 0) === 3 && counts.every((n) => n <= 2);
    });
  });

  it("gives the chain its own dedicated cell, owned by the Tenant", async () => {
    const t = await getTenant(kube, dedicated);
    const cell = await getCell(t!.status!.cell!);
    expect(cell?.spec).toMatchObject({ class: "dedicated", capacity: 1, deletionPolicy: "Delete" });
    expect(cell?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Tenant", name: dedicated, uid: t!.metadata.uid });
  });

  it("creates each cell's schema, login role and migrations, and the tenant with its owner and locations", async () => {
    const t = await getTenant(kube, dedicated);
    const { schemas, roles } = await cellSchemasAndRoles(db, instance);
    const schema = `cell_${t!.status!.cell!.replaceAll("-", "_")}`;
    expect(schemas).toEqual(expect.arrayContaining([schema, `cell_${instance}_shared_1`, `cell_${instance}_shared_2`]));
    expect(roles).toEqual(expect.arrayContaining([`${schema}_api`]));
    const migrations = await db.query(`select count(*)::int as n from ${schema}._prisma_migrations where finished_at is not null`);
    expect(migrations.rows[0].n).toBeGreaterThan(0);
    const row = await db.query(`select id, display_name, plan from ${schema}.tenants where slug = $1`, [dedicated]);
    expect(row.rows[0]).toMatchObject({ id: t!.status!.tenantId, display_name: "Cơm Tấm Sài Gòn", plan: "chain" });
    const locations = await db.query(`select name, timezone from ${schema}.locations where tenant_id = $1 order by name`, [t!.status!.tenantId]);
    expect(locations.rows).toEqual([
      { name: "Quận 1", timezone: "Asia/Ho_Chi_Minh" },
      { name: "Quận 3", timezone: "Asia/Ho_Chi_Minh" },
      { name: "Đà Nẵng", timezone: "Asia/Bangkok" },
    ]);
    const owner = await db.query(`select phone, role from ${schema}.staff_members where tenant_id = $1`, [t!.status!.tenantId]);
    expect(owner.rows).toEqual([{ phone: "+84901234567", role: "owner" }]);
  });

  it("runs each cell in its own namespace with isolation, quota, secret, Deployments, Services and PDBs, all owned by the Cell", async () => {
    const cellName = `${instance}-shared-1`;
    const ns = cellNamespace(cellName);
    const cell = await getCell(cellName);
    const owned = (o: { metadata?: { ownerReferences?: { uid?: string }[] } }) => o.metadata?.ownerReferences?.[0]?.uid === cell!.metadata.uid;
    expect(owned(await kube.core.readNamespace({ name: ns }))).toBe(true);
    const [sa, np, apiNp, quota, secret, deployments, services, pdbs] = await Promise.all([
      kube.core.readNamespacedServiceAccount({ name: "cell", namespace: ns }),
      kube.networking.readNamespacedNetworkPolicy({ name: "cell-isolation", namespace: ns }),
      kube.networking.readNamespacedNetworkPolicy({ name: "cell-api-callers", namespace: ns }),
      kube.core.readNamespacedResourceQuota({ name: "cell-quota", namespace: ns }),
      kube.core.readNamespacedSecret({ name: "cell-database", namespace: ns }),
      kube.apps.listNamespacedDeployment({ namespace: ns }),
      kube.core.listNamespacedService({ namespace: ns }),
      kube.policy.listNamespacedPodDisruptionBudget({ namespace: ns }),
    ]);
    for (const o of [sa, np, apiNp, quota, secret]) expect(owned(o)).toBe(true);
    expect(deployments.items.map((d) => d.metadata!.name).sort()).toEqual(["cell-api", "cell-ml", "redis"]);
    expect(deployments.items.every(owned)).toBe(true);
    expect(deployments.items.find((d) => d.metadata!.name === "cell-api")!.spec!.template.spec!.containers[0]!.image).toBe("ghcr.io/localstoreplatform/cell:0.1.0");
    expect(services.items.map((s) => s.metadata!.name).sort()).toEqual(["cell-api", "cell-ml", "redis"]);
    expect(pdbs.items.map((p) => p.metadata!.name).sort()).toEqual(["cell-api", "cell-ml"]);
    // Every pod: only the cell itself (and Prometheus on the metrics ports). The API's port: also
    // the router and the billing sync, as the apiserver stored it (who may connect is modelled in
    // manifests.test.ts; kwok enforces no policy).
    expect(np.spec!.ingress![0]!._from!.map((f) => f.namespaceSelector?.matchLabels ?? "same-namespace")).toEqual(["same-namespace"]);
    expect(apiNp.spec!.podSelector!.matchLabels).toMatchObject({ "app.kubernetes.io/component": "api" });
    expect(apiNp.spec!.ingress).toEqual([
      {
        _from: ["router", "control-plane"].map((role) => ({
          namespaceSelector: { matchLabels: { "localstoreplatform.com/role": role } },
          podSelector: { matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["router", "billing-sync"] }] },
        })),
        ports: [{ port: 8080, protocol: "TCP" }],
      },
    ]);
    // The API's login works and can use only its own schema.
    const url = Buffer.from(secret.data!.DATABASE_URL!, "base64").toString();
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await expect(client.query("select count(*) from tenants")).resolves.toBeDefined();
      await expect(client.query(`select count(*) from cell_${instance}_shared_2.tenants`)).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  });

  it("rolls a cell to a new version: its Deployments take the new tag and status.version follows once available", async () => {
    const cellName = `${instance}-shared-2`;
    const k8s = await import("@kubernetes/client-node");
    await kube.custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: "cells", name: cellName, body: { spec: { version: "0.2.0" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const cell = await eventually("cell reports 0.2.0", async () => {
      const c = await getCell(cellName);
      return c?.status?.version === "0.2.0" && isReady(c) ? c : undefined;
    }, 90_000);
    expect(cell.status?.observedGeneration).toBe(cell.metadata.generation);
    const api = await kube.apps.readNamespacedDeployment({ name: "cell-api", namespace: cellNamespace(cellName) });
    expect(api.spec!.template.spec!.containers[0]!.image).toBe("ghcr.io/localstoreplatform/cell:0.2.0");
    // The other shared cell is untouched: cells upgrade one by one.
    expect((await getCell(`${instance}-shared-1`))?.status?.version).toBe("0.1.0");
  }, 120_000);

  it("exposes controller-runtime metric names and health endpoints", async () => {
    const base = `http://127.0.0.1:${operator.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/controller_runtime_reconcile_total\{controller="tenant",result="success"\} [1-9]/);
    expect(text).toMatch(/workqueue_depth\{name="tenant",controller="tenant"\}/);
    expect(text).toMatch(/rest_client_requests_total\{code="200",method="GET"/);
    expect(text).toMatch(/leader_election_master_status\{name="lsp-operator-.*"\} 1/);
  });

  it("reflects suspension in status: Ready turns False with reason Suspended, the endpoint stays", async () => {
    const n = shared[0]!;
    await applyTenant(kube, tenantManifest(instance, n, { suspended: true }));
    const t = await eventually("Suspended reason", async () => {
      const x = await getTenant(kube, n);
      return x?.status?.conditions?.find((c) => c.type === "Ready")?.reason === "Suspended" ? x : undefined;
    });
    expect(t.status?.endpoint).toBeDefined();
    await applyTenant(kube, tenantManifest(instance, n, { suspended: false }));
    await readyTenant(n);
  });

  it("writes back a placement label removed by hand, keeping the tenant in the cell that holds its data", async () => {
    const n = shared[2]!;
    const before = await readyTenant(n);
    await kube.custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: "tenants", name: n, body: [{ op: "remove", path: "/metadata/labels/localstoreplatform.com~1cell" }] },
      jsonPatchOptions,
    );
    const restored = await eventually("label restored", async () => {
      const t = await getTenant(kube, n);
      return t?.metadata.labels?.["localstoreplatform.com/cell"] ? t : undefined;
    });
    expect(restored.metadata.labels!["localstoreplatform.com/cell"]).toBe(before.status!.cell);
    expect((await readyTenant(n)).status!.cell).toBe(before.status!.cell);
    // Restored, not placed again (which could pick another cell and provision an empty tenant there).
    const events = (await kube.core.listNamespacedEvent({ namespace: "default" })).items.filter((e) => e.involvedObject.name === n);
    expect(events.map((e) => e.reason)).toContain("PlacementRestored");
    expect(events.filter((e) => e.reason === "Placed")).toHaveLength(1);
  });
});

describe("Given a second Tenant claiming a slug already taken", () => {
  it("leaves it unplaced with reason SlugTaken while the first keeps serving", async () => {
    const taken = name("pho-bo");
    const impostor = name("impostor");
    await applyTenant(kube, { ...tenantManifest(instance, impostor), spec: { ...tenantManifest(instance, impostor).spec, slug: taken } });
    const t = await eventually("SlugTaken", async () => {
      const x = await getTenant(kube, impostor);
      return x?.status?.conditions?.find((c) => c.type === "Placed")?.reason === "SlugTaken" ? x : undefined;
    });
    expect(t.status?.cell).toBeUndefined();
    expect(t.metadata.finalizers ?? []).not.toContain(Finalizers.tenantData);
    expect(isReady(await getTenant(kube, taken))).toBe(true);
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: impostor });
  });
});

describe("Given Tenants and Cells deleted", () => {
  it("archives a shared tenant's data by default and frees its slot", async () => {
    const n = name("bun-cha");
    const cellName = (await getTenant(kube, n))!.status!.cell!;
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: n });
    await eventually("tenant gone", async () => (await getTenant(kube, n)) === undefined);
    const schema = `cell_${cellName.replaceAll("-", "_")}`;
    const row = await db.query(`select status from ${schema}.tenants where slug = $1`, [n]);
    expect(row.rows).toEqual([{ status: "archived" }]);
    await eventually("slot freed", async () => {
      const c = await getCell(cellName);
      return c?.status?.occupancy === `${(c?.status?.tenants ?? -1)}/2` && (c?.status?.tenants ?? 9) < 2;
    });
  }, 60_000);

  it("deletes a dedicated tenant with policy Delete: its rows, then its cell, namespace, schema and role", async () => {
    const n = name("com-tam");
    const cellName = (await getTenant(kube, n))!.status!.cell!;
    const schema = `cell_${cellName.replaceAll("-", "_")}`;
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: n });
    await eventually("dedicated cell gone", async () => (await getCell(cellName)) === undefined, 60_000);
    const { schemas, roles } = await cellSchemasAndRoles(db, instance);
    expect(schemas).not.toContain(schema);
    expect(roles).not.toContain(`${schema}_api`);
    await eventually("namespace gone", () => kube.core.readNamespace({ name: cellNamespace(cellName) }).then((ns) => ns.status?.phase === "Terminating" || undefined, () => true), 90_000);
  }, 180_000);

  it("keeps a dedicated tenant's schema when its policy went from Delete to Archive before the deletion", async () => {
    const n = name("lau-ga");
    await applyTenant(kube, tenantManifest(instance, n, { plan: "chain", isolation: "dedicated", deletionPolicy: "Delete" }));
    const cellName = (await readyTenant(n)).status!.cell!;
    expect((await getCell(cellName))?.spec.deletionPolicy).toBe("Delete");
    await applyTenant(kube, tenantManifest(instance, n, { plan: "chain", isolation: "dedicated", deletionPolicy: "Archive" }));
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: n });
    await eventually("dedicated cell gone", async () => (await getCell(cellName)) === undefined, 60_000);
    const schema = `cell_${cellName.replaceAll("-", "_")}`;
    expect((await cellSchemasAndRoles(db, instance)).schemas).toContain(schema);
    expect((await db.query(`select status from ${schema}.tenants where slug = $1`, [n])).rows).toEqual([{ status: "archived" }]);
  }, 180_000);

  it("keeps a shared cell while tenants remain, then deletes it keeping its schema under policy Retain", async () => {
    const cellName = `${instance}-shared-1`;
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", name: cellName });
    const remaining = (await listOwn<Tenant>(kube, "tenants", instance)).filter((t) => t.status?.cell === cellName);
    if (remaining.length > 0) {
      await new Promise((r) => setTimeout(r, 2_000));
      expect((await getCell(cellName))?.metadata.deletionTimestamp).toBeDefined();
      for (const t of remaining) await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: t.metadata.name });
    }
    await eventually("shared cell gone", async () => (await getCell(cellName)) === undefined, 60_000);
    expect((await cellSchemasAndRoles(db, instance)).schemas).toContain(`cell_${instance}_shared_1`);
  }, 120_000);
});
