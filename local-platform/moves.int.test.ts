// A tenant move on the local platform: `lsp apply` of the Tenant with another spec.cell moves it
// with the cluster's database move (cell/moves), the in-process router holding its requests for
// the switch; afterwards the new cell's process serves it with every order intact.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beginMove, catchUp, checkpointVerify, copyTenant, finalSync, holdMove, markSwitched, readMove } from "../cell/moves/index.js";
import { apply, type Output } from "../cli/commands.js";
import { resolveTarget, type Target } from "../cli/target.js";
import { graphql, loginByOtp, type Session } from "../e2e/clients.js";
import { eventually, viaRouter } from "../e2e/platform.js";
import type { TenantMoveStatus } from "../operator/api/v1alpha1/index.js";
import { dedicatedCellName } from "../operator/names.js";
import type { LocalPlatform } from "./platform.js";
import { startTestPlatform, type TestPlatform } from "./testing.js";

const quiet: Output = { out: () => {}, err: () => {} };
const slug = `move-me-${process.pid}`;
const phone = "+84905550123";
const host = `${slug}.localhost`;

function manifest(cell?: string, t = { slug, phone, plan: "growth" }, isolation = "shared"): string {
  return `apiVersion: localstoreplatform.com/v1alpha1
kind: Tenant
metadata:
  name: ${t.slug}
spec:
  slug: ${t.slug}
  displayName: "Cơm Tấm Chuyển Nhà"
  plan: ${t.plan}
  isolation: ${isolation}
  owner: { phone: "${t.phone}", name: "Chủ quán" }
  locations:
    - name: "Quận 3"
${cell ? `  cell: ${cell}\n` : ""}`;
}

interface TenantStatus {
  cell?: string;
  tenantId?: string;
  endpoint?: string;
  hold?: boolean;
  move?: TenantMoveStatus;
  conditions?: { type: string; status: string }[];
}

describe("Given a tenant with orders on the local platform", () => {
  let test: TestPlatform;
  let platform: LocalPlatform;
  let dataDir: string;
  let target: Target;
  let session: Session;
  let locationId = "";
  let itemId = "";
  const status = async () => ((await platform.store.get("Tenant", slug))?.status ?? {}) as TenantStatus;
  const q = <T,>(query: string, variables: Record<string, unknown> = {}) => graphql<T>(platform.routerUrl, host, session.accessToken, query, variables);
  const sell = (quantity: number) =>
    q<{ createOrder: { order: { totalVnd: number } } }>("mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { totalVnd } } }", {
      i: { locationId, idempotencyKey: randomUUID(), channel: "TAKEAWAY", paymentMethod: "CASH", lines: [{ menuItemId: itemId, quantity }] },
    });
  const dashboard = async () => (await q<{ location: { todayRevenue: number; todayOrders: number } }>("query($id: ID!) { location(id: $id) { todayRevenue todayOrders } }", { id: locationId })).data?.location;

  beforeAll(async () => {
    test = await startTestPlatform("moves");
    ({ platform, dataDir } = test);
    target = resolveTarget({ kubeconfig: test.kubeconfig });
  }, 120_000);

  afterAll(async () => {
    await test?.stop();
  }, 60_000);

  it("places it in the shared cell and takes its orders there", async () => {
    const file = join(dataDir, "tenant.yaml");
    writeFileSync(file, manifest());
    expect(await apply(target, file, quiet)).toBe(true);
    await eventually(`${slug} Ready`, async () => (await status()).conditions?.some((c) => c.type === "Ready" && c.status === "True"), 90_000);
    expect((await status()).cell).toBe("shared-1");

    session = await loginByOtp(platform.routerUrl, phone);
    locationId = (await q<{ locations: { id: string }[] }>("{ locations { id } }")).data!.locations[0]!.id;
    const category = await q<{ createMenuCategory: { id: string } }>('mutation { createMenuCategory(input: { name: "Cơm" }) { id } }');
    const item = await q<{ createMenuItem: { id: string } }>('mutation($c: ID!) { createMenuItem(input: { categoryId: $c, name: "Cơm tấm sườn", priceVnd: 45000 }) { id } }', { c: category.data!.createMenuCategory.id });
    itemId = item.data!.createMenuItem.id;
    for (const quantity of [1, 2, 3]) expect((await sell(quantity)).errors).toBeUndefined();
    expect(await dashboard()).toEqual({ todayRevenue: 270_000, todayOrders: 3 });
  }, 150_000);

  it("moves it to the cell a re-applied manifest names, and the new cell's process serves it with its data intact", async () => {
    const cell = {
      apiVersion: "localstoreplatform.com/v1alpha1",
      kind: "Cell",
      metadata: { name: "shared-2" },
      spec: { class: "shared", capacity: 10, version: "local", api: { replicas: 1 }, ml: { replicas: 1 }, redis: { enabled: true }, deletionPolicy: "Retain" },
    };
    expect(await platform.apply(cell)).toBe("created");
    await eventually("cell shared-2 Ready", async () => ((await platform.store.get("Cell", "shared-2"))?.status as TenantStatus | undefined)?.conditions?.some((c) => c.type === "Ready" && c.status === "True"), 90_000);

    // A till keeps selling through the router during the whole move (copy, hold, switch).
    let selling = true;
    const sold: string[] = [];
    const till = (async () => {
      while (selling) {
        const reply = await sell(1);
        sold.push(reply.errors ? JSON.stringify(reply.errors) : "ok");
      }
    })();
    const file = join(dataDir, "tenant.yaml");
    writeFileSync(file, manifest("shared-2"));
    expect(await apply(target, file, quiet)).toBe(true);

    const moved = await eventually("the move to finish", async () => {
      const s = await status();
      return s.move?.phase === "Done" && s.cell === "shared-2" ? s : undefined;
    }, 120_000);
    selling = false;
    await till;
    expect(sold.filter((r) => r !== "ok")).toEqual([]);
    expect(sold.length).toBeGreaterThan(0);
    const during = sold.length;
    expect(moved.hold).toBe(false);
    expect(moved.move?.message).toMatch(/requests held \d+ ms/);
    const newCell = await platform.store.get("Cell", "shared-2");
    expect(moved.endpoint).toBe((newCell!.status as { endpoint: string }).endpoint);

    // Served by the new cell, through the router, with the same token and every order.
    expect(await dashboard()).toEqual({ todayRevenue: 270_000 + 45_000 * during, todayOrders: 3 + during });
    expect((await sell(1)).errors).toBeUndefined();
    expect(await dashboard()).toEqual({ todayRevenue: 270_000 + 45_000 * (during + 1), todayOrders: 4 + during });
    const rows = await platform.admin.query<{ schema: string; n: number }>(
      `select 'cell_shared_1' as schema, count(*)::int as n from cell_shared_1.orders o join cell_shared_1.tenants t on t.id = o.tenant_id where t.slug = $1
       union all select 'cell_shared_2', count(*)::int from cell_shared_2.orders o join cell_shared_2.tenants t on t.id = o.tenant_id where t.slug = $1`,
      [slug],
    );
    expect(Object.fromEntries(rows.rows.map((r) => [r.schema, r.n]))).toEqual({ cell_shared_1: 0, cell_shared_2: 4 + during });
    const directly = await fetch(`${moved.endpoint}/healthz`);
    expect(directly.status).toBe(200);
    expect((await viaRouter(platform.routerUrl, host, "/healthz")).status).toBe(200);
  }, 180_000);

  it("rolls back a move that a stopped platform left half done, keeping the tenant where it is, nothing lost", async () => {
    const before = await status();
    const ordersBefore = (await dashboard())!;
    // What a platform stopped mid-copy leaves behind: a move recorded as Copying, capture installed, a partial copy.
    await platform.operator.stop();
    const client = await platform.admin.connect();
    try {
      const moveId = `left-over-${process.pid}`;
      await beginMove(client, { moveId, tenantId: before.tenantId!, sourceSchema: "cell_shared_2", targetSchema: "cell_shared_1" });
      await copyTenant(client, moveId);
      expect((await client.query<{ n: number }>("select count(*)::int as n from cell_shared_1.orders o join cell_shared_1.tenants t on t.id = o.tenant_id where t.slug = $1", [slug])).rows[0]!.n).toBe(ordersBefore.todayOrders);
    } finally {
      client.release();
    }
    await platform.operator.start();
    const after = await eventually("the left-over move rolled back", async () => {
      const s = await status();
      return s.move?.phase === "RolledBack" ? s : undefined;
    }, 30_000);
    expect(after).toMatchObject({ cell: "shared-2", hold: false, move: { id: `left-over-${process.pid}`, from: "shared-2", to: "shared-1" } });
    const copies = await platform.admin.query<{ n: number }>("select count(*)::int as n from cell_shared_1.tenants where slug = $1", [slug]);
    expect(copies.rows[0]!.n).toBe(0);
    // The capture (and with it the fence) is gone: the tenant takes orders again in its cell.
    expect((await sell(1)).errors).toBeUndefined();
    expect(await dashboard()).toEqual({ todayRevenue: ordersBefore.todayRevenue + 45_000, todayOrders: ordersBefore.todayOrders + 1 });
  }, 60_000);

  it("finishes a move a stopped platform left after its switch, then follows spec.cell back, nothing lost", async () => {
    const before = (await dashboard())!;
    const { tenantId } = await status();
    // Stopped right after the switch was committed in the database, before route and status followed.
    await platform.operator.stop();
    const moveId = `switched-${process.pid}`;
    const client = await platform.admin.connect();
    try {
      await beginMove(client, { moveId, tenantId: tenantId!, sourceSchema: "cell_shared_2", targetSchema: "cell_shared_1" });
      await copyTenant(client, moveId);
      await catchUp(client, moveId);
      await checkpointVerify(client, await readMove(client, moveId));
      await holdMove(client, moveId);
      await finalSync(client, moveId);
      await markSwitched(client, moveId);
    } finally {
      client.release();
    }
    expect((await status()).cell).toBe("shared-2");
    await platform.operator.start();
    // The left-over move is finished (the tenant lands in shared-1), then spec.cell (still shared-2) moves it back.
    const back = await eventually("a move back to shared-2", async () => {
      const s = await status();
      return s.cell === "shared-2" && s.move?.phase === "Done" && s.move.id !== moveId ? s : undefined;
    }, 90_000);
    expect(back.move).toMatchObject({ from: "shared-1", to: "shared-2" });
    expect(await dashboard()).toEqual(before);
    const counts = await platform.admin.query<{ n1: number; n2: number }>(
      `select (select count(*)::int from cell_shared_1.tenants where slug = $1) as n1, (select count(*)::int from cell_shared_2.orders o join cell_shared_2.tenants t on t.id = o.tenant_id where t.slug = $1) as n2`,
      [slug],
    );
    expect(counts.rows[0]).toEqual({ n1: 0, n2: before.todayOrders });
  }, 120_000);

  it("moves a shared tenant to its own dedicated cell when its isolation becomes dedicated", async () => {
    const chain = { slug: `chain-${process.pid}`, phone: "+84905550124", plan: "chain" };
    const file = join(dataDir, "chain.yaml");
    writeFileSync(file, manifest(undefined, chain));
    expect(await apply(target, file, quiet)).toBe(true);
    const tenantStatus = async () => ((await platform.store.get("Tenant", chain.slug))?.status ?? {}) as TenantStatus;
    await eventually(`${chain.slug} Ready`, async () => (await tenantStatus()).conditions?.some((c) => c.type === "Ready" && c.status === "True"), 90_000);
    const shared = (await tenantStatus()).cell;
    expect(shared).toMatch(/^shared-/);
    const owner = await loginByOtp(platform.routerUrl, chain.phone);
    const cq = <T,>(query: string, variables: Record<string, unknown> = {}) => graphql<T>(platform.routerUrl, `${chain.slug}.localhost`, owner.accessToken, query, variables);
    const location = (await cq<{ locations: { id: string }[] }>("{ locations { id } }")).data!.locations[0]!.id;
    const category = await cq<{ createMenuCategory: { id: string } }>('mutation { createMenuCategory(input: { name: "Cơm" }) { id } }');
    const item = await cq<{ createMenuItem: { id: string } }>('mutation($c: ID!) { createMenuItem(input: { categoryId: $c, name: "Cơm gà", priceVnd: 50000 }) { id } }', { c: category.data!.createMenuCategory.id });
    const order = { locationId: location, channel: "DINE_IN", paymentMethod: "CASH", lines: [{ menuItemId: item.data!.createMenuItem.id, quantity: 2 }] };
    expect((await cq("mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { totalVnd } } }", { i: { ...order, idempotencyKey: randomUUID() } })).errors).toBeUndefined();

    writeFileSync(file, manifest(undefined, chain, "dedicated"));
    const errors: string[] = [];
    expect({ applied: await apply(target, file, { out: () => {}, err: (line) => errors.push(line) }), errors }).toEqual({ applied: true, errors: [] });
    const own = dedicatedCellName(chain.slug);
    const moved = await eventually("the move to its own cell", async () => {
      const s = await tenantStatus();
      return s.cell === own && s.move?.phase === "Done" ? s : undefined;
    }, 120_000);
    expect(moved.move).toMatchObject({ from: shared, to: own });
    expect(((await platform.store.get("Cell", own))?.spec as { class: string }).class).toBe("dedicated");
    const today = await cq<{ location: { todayRevenue: number; todayOrders: number } }>("query($id: ID!) { location(id: $id) { todayRevenue todayOrders } }", { id: location });
    expect(today.data?.location).toEqual({ todayRevenue: 100_000, todayOrders: 1 });
  }, 180_000);

  it("follows its cell to new ports when the cell restarts on a new version: route and status", async () => {
    const cellName = (await status()).cell!;
    const cellOf = async () => (await platform.store.get("Cell", cellName))!;
    const before = ((await cellOf()).status as { endpoint: string }).endpoint;
    const cell = await cellOf();
    await platform.store.update({ ...cell, spec: { ...(cell.spec as Record<string, unknown>), version: "local-restarted" } } as Parameters<typeof platform.store.update>[0]);
    const after = await eventually("the cell restarted on new ports and Ready", async () => {
      const s = (await cellOf()).status as { endpoint?: string; conditions?: { type: string; status: string }[] };
      return s.endpoint && s.endpoint !== before && s.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? s.endpoint : undefined;
    }, 90_000);
    // The tenant was Ready all along; its endpoint (and the router's route) must still follow.
    await eventually("the tenant's status names the new endpoint", async () => (await status()).endpoint === after, 30_000);
    // Served through the router by the restarted processes, orders intact.
    const served = await dashboard();
    expect(served?.todayOrders).toBeGreaterThan(0);
  }, 150_000);
});
