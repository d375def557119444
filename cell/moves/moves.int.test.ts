import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { provisionTenant } from "../provisioning/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import {
  beginMove,
  captureTriggerCount,
  catchUp,
  checkpointVerify,
  cleanupSource,
  copyTenant,
  finalSync,
  holdMove,
  markSwitched,
  MovePhase,
  MovePhaseError,
  MoveNotSettledError,
  MoveRequestError,
  MoveVerificationError,
  moveTenant,
  readMove,
  rollbackMove,
} from "./index.js";
import { seedMenu, withinDeadline, WriteLoad, writeOrder, type SeededTenant } from "./testing.js";

const owner = { phone: "+84901234567", name: "Chị Lan" };
// Bounded load: enough to have writes land in every phase (copy, catch-up, the fence's wait, after
// the switch), light enough to leave CPU for the other suites running beside it on 2 cores.
const WRITERS = 4;
const ORDERS_PER_SECOND_PER_WRITER = 10;
/** The move under load takes a few seconds alone; this leaves room for a loaded machine, and for clean-up before jest's timeout. */
const MOVE_DEADLINE_MS = 60_000;
let source: TestCellDatabase;
let target: TestCellDatabase;
let mover: pg.Client;

async function provision(db: TestCellDatabase, slug: string, locations = 3): Promise<SeededTenant> {
  const { tenantId } = await provisionTenant(db.admin, db.cellName, {
    slug,
    displayName: slug,
    plan: "growth",
    owner,
    locations: Array.from({ length: locations }, (_, i) => ({ name: `Location ${i}`, ...(i === 1 ? { timezone: "Asia/Bangkok" } : {}) })),
  });
  return seedMenu(db.admin, db.schema, tenantId);
}

async function apiClient(db: TestCellDatabase): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.roleUrl });
  await c.connect();
  return c;
}

/** Every table's rows of one tenant, ids of identity tables left out (they are shifted on purpose). */
async function tenantSnapshot(db: TestCellDatabase, tenantId: string): Promise<Record<string, number>> {
  const tables = ["tenants", "locations", "staff_members", "menu_categories", "menu_items", "orders", "order_lines", "payments", "recommendations", "audit_log", "outbox", "location_hourly_sales", "location_item_daily_sales", "location_daily_payments"];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const col = t === "tenants" ? "id" : "tenant_id";
    out[t] = (await db.admin.query<{ n: number }>(`select count(*)::int as n from ${db.schema}.${t} where ${col} = $1`, [tenantId])).rows[0]!.n;
  }
  return out;
}

/** The dashboard figures: aggregates as stored, in a stable order. */
async function dashboards(db: TestCellDatabase, tenantId: string): Promise<unknown> {
  const q = async (sql: string) => (await db.admin.query(sql, [tenantId])).rows;
  return {
    hourly: await q(`select location_id, local_date::text, hour, revenue_vnd::text, orders from ${db.schema}.location_hourly_sales where tenant_id = $1 order by 1, 2, 3`),
    items: await q(`select location_id, local_date::text, menu_item_id, quantity::text, revenue_vnd::text from ${db.schema}.location_item_daily_sales where tenant_id = $1 order by 1, 2, 3`),
    payments: await q(`select location_id, local_date::text, method, amount_vnd::text, payments from ${db.schema}.location_daily_payments where tenant_id = $1 order by 1, 2, 3`),
  };
}

/** Aggregates recomputed from the raw rows: what the stored ones must equal in a healthy cell. */
async function recomputedHourly(db: TestCellDatabase, tenantId: string): Promise<unknown> {
  const { rows } = await db.admin.query(
    `select location_id, local_date::text, local_hour as hour, sum(total_vnd)::text as revenue_vnd, count(*)::int as orders from ${db.schema}.orders where tenant_id = $1 group by 1, 2, 3 order by 1, 2, 3`,
    [tenantId],
  );
  return rows;
}

beforeAll(async () => {
  [source, target] = await Promise.all([createTestCellDatabase("mvsrc"), createTestCellDatabase("mvdst")]);
  mover = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await mover.connect();
});

afterAll(async () => {
  await mover.end();
  await Promise.all([source.drop(), target.drop()]);
});

describe("Given a tenant taking orders while it moves to another cell", () => {
  let tenant: SeededTenant;
  let neighbourAtSource: SeededTenant;
  let neighbourAtTarget: SeededTenant;
  const seededKeys: string[] = [];

  beforeAll(async () => {
    tenant = await provision(source, "com-tam-ba-ghien");
    neighbourAtSource = await provision(source, "bun-bo-hue");
    neighbourAtTarget = await provision(target, "banh-mi-huynh-hoa");
    const api = await apiClient(source);
    for (let n = 0; n < 300; n++) seededKeys.push((await writeOrder(api, tenant, n, new Date(Date.now() - n * 3_600_000))).idempotencyKey);
    await api.end();
    const other = await apiClient(target);
    for (let n = 0; n < 20; n++) await writeOrder(other, neighbourAtTarget, n);
    await other.end();
  });

  it("moves every row with none lost or duplicated, keeps the dashboards identical and never pauses the neighbours", async () => {
    const route = { current: "source" as "source" | "target" };
    const load = new WriteLoad(tenant, route);
    load.start(WRITERS, source.roleUrl, target.roleUrl, { ordersPerSecond: ORDERS_PER_SECOND_PER_WRITER });
    const neighbours = new WriteLoad(neighbourAtSource, { current: "source" });
    neighbours.start(1, source.roleUrl, source.roleUrl, { ordersPerSecond: ORDERS_PER_SECOND_PER_WRITER });
    await new Promise((r) => setTimeout(r, 300));

    let dashboardsAtHold: unknown;
    const phaseTimes = { begun: performance.now(), held: 0, switched: 0 };
    const moving = moveTenant(
      mover,
      { moveId: "move-1", tenantId: tenant.tenantId, sourceSchema: source.schema, targetSchema: target.schema },
      {
        hold: async () => {
          phaseTimes.held = performance.now();
          await load.hold();
        },
        switchRoute: async () => {
          phaseTimes.switched = performance.now();
          dashboardsAtHold = await dashboards(source, tenant.tenantId);
          expect(await dashboards(target, tenant.tenantId)).toEqual(dashboardsAtHold);
          route.current = "target";
          load.release();
        },
        release: async () => load.release(),
      },
    );
    const diagnose = async () => {
      const move = await readMove(source.admin, "move-1").catch(() => undefined);
      const queued = await source.admin.query<{ n: number }>("select count(*)::int as n from lsp_moves.changes where move_id = 'move-1' and not applied");
      return `move ${move?.phase ?? "not begun"}, ${queued.rows[0]!.n} changes queued; load: ${load.describe()}; neighbour: ${neighbours.describe()}`;
    };
    const report = await withinDeadline("the move under write load", MOVE_DEADLINE_MS, moving, diagnose).finally(async () => {
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all([load.stop(), neighbours.stop()]);
    });

    expect(load.log.failed).toEqual([]);
    expect(neighbours.log.failed).toEqual([]);
    // The load really overlapped the move: writes committed during the copy and catch-up (at the
    // source, captured) and after the switch (at the target).
    expect(load.log.committed.filter((w) => w.at > phaseTimes.begun && w.at < phaseTimes.held).length).toBeGreaterThan(0);
    expect(load.log.committed.filter((w) => w.at > phaseTimes.switched).length).toBeGreaterThan(0);
    expect(neighbours.log.committed.length).toBeGreaterThan(0);
    expect(report.move.phase).toBe(MovePhase.Done);
    expect(report.verification.every((v) => v.matches)).toBe(true);
    expect(report.copiedRows.orders).toBeGreaterThanOrEqual(300);

    // Against the load generator's own log: each committed order exactly once, nothing else.
    const { rows } = await target.admin.query<{ idempotency_key: string; n: number }>(
      `select idempotency_key, count(*)::int as n from ${target.schema}.orders where tenant_id = $1 and idempotency_key like 'load-%' group by 1`,
      [tenant.tenantId],
    );
    expect(load.log.committed.length).toBeGreaterThan(0);
    const expected = [...seededKeys, ...load.log.committed.map((w) => w.idempotencyKey)].sort();
    expect(rows.map((r) => r.idempotency_key).sort()).toEqual(expected);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const paid = await target.admin.query<{ n: number }>(`select count(*)::int as n from ${target.schema}.payments where tenant_id = $1 and status = 'succeeded'`, [tenant.tenantId]);
    expect(paid.rows[0]!.n).toBe(expected.length);

    // Aggregates still agree with the raw orders, also for orders written after the switch.
    expect(((await dashboards(target, tenant.tenantId)) as { hourly: unknown }).hourly).toEqual(await recomputedHourly(target, tenant.tenantId));

    // Nothing of the tenant is left at the source; the neighbours are whole.
    expect(Object.values(await tenantSnapshot(source, tenant.tenantId)).every((n) => n === 0)).toBe(true);
    expect(await captureTriggerCount(mover, "move-1", source.schema)).toBe(0);
    expect((await tenantSnapshot(source, neighbourAtSource.tenantId)).orders).toBe(neighbours.log.committed.length);
    expect((await tenantSnapshot(target, neighbourAtTarget.tenantId)).orders).toBe(20);
    // The target's audit log ids stayed unique across both tenants.
    const dup = await target.admin.query(`select id from ${target.schema}.audit_log group by id having count(*) > 1`);
    expect(dup.rows).toEqual([]);
    // The moved tenant can keep writing its audit log and outbox at the target.
    const api = await apiClient(target);
    await writeOrder(api, tenant, 1);
    await api.end();
  }, MOVE_DEADLINE_MS + 30_000);
});

describe("Given a move that is rolled back or cancelled in each phase before the switch", () => {
  const phases = [MovePhase.Copying, MovePhase.CatchingUp, MovePhase.Holding, MovePhase.Verified] as const;

  for (const phase of phases) {
    it(`leaves the source whole and writable and the target empty when rolled back in ${phase}`, async () => {
      const t = await provision(source, `rb-${phase.toLowerCase()}`);
      const api = await apiClient(source);
      for (let n = 0; n < 20; n++) await writeOrder(api, t, n);
      const before = await tenantSnapshot(source, t.tenantId);
      const moveId = `rollback-${phase}`;
      await beginMove(mover, { moveId, tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema });
      if (phase !== MovePhase.Copying) {
        await copyTenant(mover, moveId);
        await writeOrder(api, t, 100);
        await catchUp(mover, moveId);
      }
      if (phase === MovePhase.Holding || phase === MovePhase.Verified) {
        await holdMove(mover, moveId);
        await expect(writeOrder(api, t, 101)).rejects.toThrow(/being moved/);
      }
      if (phase === MovePhase.Verified) await finalSync(mover, moveId);
      expect((await readMove(mover, moveId)).phase).toBe(phase);

      const outcome = phase === MovePhase.CatchingUp ? MovePhase.Cancelled : MovePhase.RolledBack;
      await rollbackMove(mover, moveId, "test", outcome);
      await rollbackMove(mover, moveId, "test again", outcome);

      expect((await readMove(mover, moveId)).phase).toBe(outcome);
      const after = await tenantSnapshot(source, t.tenantId);
      const extra = phase === MovePhase.Copying ? 0 : 1;
      expect(after.orders).toBe(before.orders! + extra);
      expect(Object.values(await tenantSnapshot(target, t.tenantId)).every((n) => n === 0)).toBe(true);
      expect(await captureTriggerCount(mover, moveId, source.schema)).toBe(0);
      await writeOrder(api, t, 102);
      await api.end();
    });
  }

  it("refuses to roll back a switched move, and cleans up a switched one idempotently", async () => {
    const t = await provision(source, "rb-switched");
    const moveId = "switched-1";
    await beginMove(mover, { moveId, tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema });
    await copyTenant(mover, moveId);
    await holdMove(mover, moveId);
    await finalSync(mover, moveId);
    await markSwitched(mover, moveId);
    await expect(rollbackMove(mover, moveId, "too late")).rejects.toThrow(MovePhaseError);
    await cleanupSource(mover, moveId);
    await cleanupSource(mover, moveId);
    expect((await readMove(mover, moveId)).phase).toBe(MovePhase.Done);
    expect((await tenantSnapshot(target, t.tenantId)).locations).toBe(3);
  });
});

describe("Given a tenant whose catch-up passes do not settle before the budget runs out", () => {
  it("never holds it: the move gives up, rolls back, and the source keeps every write made meanwhile", async () => {
    const t = await provision(source, "xoi-yen");
    const load = new WriteLoad(t, { current: "source" });
    load.start(2, source.roleUrl, target.roleUrl, { ordersPerSecond: ORDERS_PER_SECOND_PER_WRITER });
    let holds = 0;
    const moveId = "unsettled-1";
    // settledBelow 0: no pass can settle (a pass applies at least 0 changes), as with a tenant that
    // always writes faster than the mover applies; the writes make the passes do real work meanwhile.
    const moving = moveTenant(
      mover,
      { moveId, tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema },
      { hold: async () => void holds++, switchRoute: async () => {}, release: async () => {} },
      { settledBelow: 0, settleBudgetMs: 1_000 },
    );
    await expect(moving).rejects.toThrow(MoveNotSettledError);
    await expect(moving).rejects.toThrow(/did not settle within 1000 ms: the last catch-up pass still applied \d+ changes/);
    await load.stop();

    expect(holds).toBe(0);
    expect(load.log.failed).toEqual([]);
    expect(load.log.committed.length).toBeGreaterThan(0);
    expect((await readMove(mover, moveId)).phase).toBe(MovePhase.RolledBack);
    expect((await tenantSnapshot(source, t.tenantId)).orders).toBe(load.log.committed.length);
    expect(Object.values(await tenantSnapshot(target, t.tenantId)).every((n) => n === 0)).toBe(true);
    expect(await captureTriggerCount(mover, moveId, source.schema)).toBe(0);
  }, 60_000);
});

describe("Given a mover that crashes or finds bad state", () => {
  it("resumes after its connection dies mid-copy, copying everything exactly once", async () => {
    const t = await provision(source, "crash-copy");
    const api = await apiClient(source);
    for (let n = 0; n < 50; n++) await writeOrder(api, t, n);
    const moveId = "crash-copy";
    const doomed = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await doomed.connect();
    await beginMove(doomed, { moveId, tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema });
    const pid = (await doomed.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
    doomed.on("error", () => undefined);
    const copying = copyTenant(doomed, moveId).catch((e: unknown) => e);
    await mover.query("select pg_terminate_backend($1)", [pid]);
    await copying;
    await writeOrder(api, t, 60);
    await copyTenant(mover, moveId);
    await catchUp(mover, moveId);
    await holdMove(mover, moveId);
    const verification = await finalSync(mover, moveId);
    expect(verification.every((v) => v.matches)).toBe(true);
    expect((await tenantSnapshot(target, t.tenantId)).orders).toBe(51);
    await rollbackMove(mover, moveId, "done testing");
    await api.end();
  });

  it("detects a target that differs from the source and names the table", async () => {
    const t = await provision(source, "tampered");
    const api = await apiClient(source);
    for (let n = 0; n < 5; n++) await writeOrder(api, t, n);
    await api.end();
    const moveId = "tampered";
    await beginMove(mover, { moveId, tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema });
    await copyTenant(mover, moveId);
    await holdMove(mover, moveId);
    await target.admin.query(`update ${target.schema}.payments set amount_vnd = amount_vnd + 1 where tenant_id = $1`, [t.tenantId]);
    const error = await finalSync(mover, moveId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MoveVerificationError);
    expect((error as MoveVerificationError).mismatches.map((m) => m.table)).toEqual(["payments"]);
    expect((await readMove(mover, moveId)).phase).toBe(MovePhase.Holding);
    await rollbackMove(mover, moveId, "verification failed");
  });

  it("detects a difference at the checkpoint taken before the hold, and then verifies only rows changed since", async () => {
    const t = await provision(source, "checkpointed");
    const api = await apiClient(source);
    for (let n = 0; n < 5; n++) await writeOrder(api, t, n);
    const moveId = "checkpointed";
    await beginMove(mover, { moveId, tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema });
    await copyTenant(mover, moveId);
    await target.admin.query(`update ${target.schema}.orders set note = 'tampered' where tenant_id = $1`, [t.tenantId]);
    await expect(checkpointVerify(mover, await readMove(mover, moveId))).rejects.toThrow(/orders/);
    await target.admin.query(`update ${target.schema}.orders set note = null where tenant_id = $1`, [t.tenantId]);
    // A write queued but not yet applied is left out of the checkpoint, then checked in the hold.
    await writeOrder(api, t, 6);
    const checkpoint = await checkpointVerify(mover, await readMove(mover, moveId));
    expect(checkpoint.find((v) => v.table === "orders")!.sourceRows).toBe(5);
    await holdMove(mover, moveId);
    const final = await finalSync(mover, moveId);
    expect(final.find((v) => v.table === "orders")).toMatchObject({ sourceRows: 1, targetRows: 1, matches: true });
    await rollbackMove(mover, moveId, "done testing");
    await api.end();
  });

  it("checks at a later checkpoint only the keys changed since the previous one, and still catches a difference there", async () => {
    const t = await provision(source, "checkpointed-twice");
    const api = await apiClient(source);
    for (let n = 0; n < 5; n++) await writeOrder(api, t, n);
    const moveId = "checkpointed-twice";
    await beginMove(mover, { moveId, tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema });
    await copyTenant(mover, moveId);
    expect((await checkpointVerify(mover, await readMove(mover, moveId))).find((v) => v.table === "orders")!.sourceRows).toBe(5);
    const late = await writeOrder(api, t, 6);
    // Queued but not applied: left for later.
    expect((await checkpointVerify(mover, await readMove(mover, moveId))).find((v) => v.table === "orders")!.sourceRows).toBe(0);
    await catchUp(mover, moveId);
    await target.admin.query(`update ${target.schema}.orders set note = 'tampered' where idempotency_key = $1`, [late.idempotencyKey]);
    await expect(checkpointVerify(mover, await readMove(mover, moveId))).rejects.toThrow(/orders/);
    await target.admin.query(`update ${target.schema}.orders set note = null where idempotency_key = $1`, [late.idempotencyKey]);
    expect((await checkpointVerify(mover, await readMove(mover, moveId))).find((v) => v.table === "orders")!.sourceRows).toBe(1);
    // Nothing changed since the last checkpoint: the hold has nothing left to compare.
    await holdMove(mover, moveId);
    expect((await finalSync(mover, moveId)).find((v) => v.table === "orders")).toMatchObject({ sourceRows: 0, targetRows: 0, matches: true });
    await rollbackMove(mover, moveId, "done testing");
    await api.end();
  });

  it("refuses bad requests, naming the field", async () => {
    const t = await provision(source, "bad-request");
    await expect(beginMove(mover, { moveId: "bad-1", tenantId: "nope", sourceSchema: source.schema, targetSchema: target.schema })).rejects.toThrow(/tenantId/);
    await expect(beginMove(mover, { moveId: "bad-2", tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: source.schema })).rejects.toThrow(MoveRequestError);
    await beginMove(mover, { moveId: "bad-3", tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema });
    // One unfinished move per tenant.
    await expect(beginMove(mover, { moveId: "bad-4", tenantId: t.tenantId, sourceSchema: source.schema, targetSchema: target.schema })).rejects.toThrow(/moves_one_active_per_tenant|duplicate/);
    await rollbackMove(mover, "bad-3", "test");
  });
});
