import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import type { ChildProcess } from "node:child_process";
import pg from "pg";
import { captureTriggerCount, findActiveMove, findMove } from "../../../cell/moves/index.js";
import { seedMenu, writeOrder } from "../../../cell/moves/testing.js";
import { cellDatabaseNames } from "../../../cell/provisioning/index.js";
import { GROUP, TENANT_PLURAL, VERSION, type Tenant, type TenantMovePhase } from "../../api/v1alpha1/index.js";
import { cellApiEndpoint, Labels } from "../../names.js";
import { applyTenant, eventually, forceForget, getTenant, installCrds, isReady, killHard, spawnOperator, tenantManifest, testKube } from "../../testing/harness.js";

// Kills the operator process (SIGKILL) when the moving Tenant's status reaches each phase in
// turn, restarts it, and checks the move ended whole: moved (every row in the target, none in
// the source, route and label on the target) or rolled back (the reverse) — never half.

const kube = testKube();
const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
const instance = `kl${process.pid.toString(36)}${Date.now().toString(36).slice(-3)}`;
const mover = `${instance}-com-tam`;
const spec = { plan: "chain" as const, locations: [{ name: "Quận 1" }, { name: "Quận 5" }] };
const ENDED: readonly TenantMovePhase[] = ["Done", "RolledBack", "Cancelled"];
/** Every table the kill may leave half-written, with the columns that identify a row across cells (ids are shifted by a move). */
const FINGERPRINTS: Record<string, string> = {
  tenants: "slug",
  locations: "name",
  menu_items: "name, price_vnd",
  orders: "idempotency_key, total_vnd",
  order_lines: "item_name, quantity, line_total_vnd",
  payments: "provider_ref, amount_vnd, status",
  audit_log: "action, entity",
  outbox: "key, topic",
  location_hourly_sales: "local_date, hour, revenue_vnd, orders",
};

let operator: ChildProcess | undefined;
let restarts = 0;
const startOperator = () => {
  operator = spawnOperator(instance, `kill-${restarts++}`, ["--no-leader-election", "--shared-cell-capacity", "1"]);
};

/** The tenant's rows in one cell schema, as "count:md5" per table. */
async function fingerprint(schema: string, tenantId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, columns] of Object.entries(FINGERPRINTS)) {
    const col = table === "tenants" ? "id" : "tenant_id";
    const row = `concat_ws(':', ${columns})`;
    const { rows } = await db.query<{ n: number; h: string | null }>(`select count(*)::int as n, md5(string_agg(${row}, ',' order by ${row})) as h from ${schema}.${table} where ${col} = $1`, [tenantId]);
    out[table] = `${rows[0]!.n}:${rows[0]!.h ?? ""}`;
  }
  return out;
}

const empty = () => Object.fromEntries(Object.keys(FINGERPRINTS).map((t) => [t, "0:"]));

/**
 * Watches every status write of one Tenant (a poll would miss short phases). `established`
 * resolves once the watch is open, so a change applied after it cannot be missed; `until` resolves
 * with the Tenant the first time `stop` says so. The client ends watches after a while: reopened
 * at once (it then starts with the Tenant as it is).
 */
function watchTenant(name: string, stop: (t: Tenant) => boolean, timeoutMs: number): { established: Promise<unknown>; until: Promise<Tenant> } {
  let abort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  let established!: Promise<unknown>;
  const until = new Promise<Tenant>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms watching Tenant ${name}`)), timeoutMs);
    const open = (): Promise<unknown> =>
      new k8s.Watch(kube.kc)
        .watch(
          `/apis/${GROUP}/${VERSION}/${TENANT_PLURAL}`,
          { fieldSelector: `metadata.name=${name}` },
          (_type, object: Tenant) => {
            if (stop(object)) resolve(object);
          },
          () => {
            if (!settled) void open().catch(reject);
          },
        )
        .then((a) => (abort = a));
    established = open();
  }).finally(() => {
    settled = true;
    clearTimeout(timer);
    abort?.abort();
  });
  return { established, until };
}

async function cellEndpoint(name: string): Promise<string | undefined> {
  const cell = (await kube.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", name })) as { status?: { endpoint?: string } };
  return cell.status?.endpoint;
}

beforeAll(async () => {
  await db.connect();
  await installCrds(kube);
  startOperator();
}, 90_000);

afterAll(async () => {
  if (operator) await killHard(operator);
  await forceForget(kube, instance);
  await db.end();
}, 60_000);

describe("Given a Tenant moving between cells while its operator is killed at each phase in turn", () => {
  const cells: string[] = [];
  let tenantId = "";
  let expected: Record<string, string> = {};
  let lastMoveId = "";

  beforeAll(async () => {
    // Capacity 1: the mover and its neighbour land in two shared cells, and the mover moves between them.
    await applyTenant(kube, tenantManifest(instance, mover, spec));
    const placed = await eventually(`Tenant ${mover} Ready`, async () => {
      const t = await getTenant(kube, mover);
      return isReady(t) && t?.status?.tenantId ? t : undefined;
    }, 150_000);
    await applyTenant(kube, tenantManifest(instance, `${instance}-neighbour`));
    const neighbour = await eventually("neighbour Ready", async () => {
      const t = await getTenant(kube, `${instance}-neighbour`);
      return isReady(t) ? t : undefined;
    }, 150_000);
    cells.push(placed.status!.cell!, neighbour.status!.cell!);
    // Room for the mover in both: a move into a full cell waits (the placement rules hold for moves).
    for (const cell of cells) {
      await kube.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", name: cell, body: { spec: { capacity: 2 } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    }
    tenantId = placed.status!.tenantId!;
    const schema = cellDatabaseNames(cells[0]!).schema;
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${schema}` });
    await client.connect();
    const seeded = await seedMenu(client, schema, tenantId);
    // Enough rows that the copy and verification phases last long enough to be hit.
    for (let n = 0; n < 200; n++) await writeOrder(client, seeded, n, new Date(Date.now() - n * 3_600_000));
    await client.end();
    expected = await fingerprint(schema, tenantId);
  }, 360_000);

  // The status phases of a move, in order; each run kills the operator on seeing one of them.
  const phases: readonly TenantMovePhase[] = ["Copying", "CatchingUp", "Holding", "Verifying", "Switched", "CleaningUp"];
  for (const phase of phases) {
    it(`ends moved or rolled back, never half, when the operator is killed in ${phase}`, async () => {
      const current = (await getTenant(kube, mover))!;
      const from = current.status!.cell!;
      const to = cells.find((c) => c !== from)!;
      // Pinned where it is first, so no retry of an earlier run's rolled-back move is under way.
      await applyTenant(kube, tenantManifest(instance, mover, { ...spec, cell: from }));
      const isNewMove = (t: Tenant) => Boolean(t.status?.move?.id) && t.status!.move!.id !== lastMoveId;

      // Stop at the aimed phase, or at a later one if it was missed (then the assertion below says so).
      const reached = (t: Tenant) => isNewMove(t) && (phases.indexOf(t.status!.move!.phase) >= phases.indexOf(phase) || ENDED.includes(t.status!.move!.phase));
      const seen = watchTenant(mover, reached, 90_000);
      await seen.established;
      await applyTenant(kube, tenantManifest(instance, mover, { ...spec, cell: to }));
      const atKill = await seen.until;
      await killHard(operator!);
      const killedIn = atKill.status!.move!.phase;
      const dbPhase = (await findMove(db, atKill.status!.move!.id))?.phase ?? "(not begun)";
      process.stderr.write(`[kill] aimed at ${phase}: killed with status ${killedIn}, database ${dbPhase}\n`);
      expect(killedIn).toBe(phase);

      // The restarted operator may give the move a new id only if it was killed before the database recorded it.
      const ending = watchTenant(mover, (t) => isNewMove(t) && ENDED.includes(t.status!.move!.phase) && t.status!.hold === false, 120_000);
      await ending.established;
      startOperator();
      const ended = await ending.until.catch(async (error: Error) => {
        const t = await getTenant(kube, mover);
        throw new Error(`${error.message}; status.move ${JSON.stringify(t?.status?.move)}, database ${JSON.stringify(await findActiveMove(db, tenantId))}`);
      });
      const moveId = ended.status!.move!.id;
      lastMoveId = moveId;
      const outcome = ended.status!.move!.phase;
      const [kept, dropped] = outcome === "Done" ? [to, from] : [from, to];
      process.stderr.write(`[kill] ${phase}: ${outcome}\n`);

      // Whole in exactly one cell, and the route, label and database agree on which.
      expect(await fingerprint(cellDatabaseNames(kept).schema, tenantId)).toEqual(expected);
      expect(await fingerprint(cellDatabaseNames(dropped).schema, tenantId)).toEqual(empty());
      expect(ended.status!.cell).toBe(kept);
      expect(ended.status!.endpoint).toBe((await cellEndpoint(kept)) ?? cellApiEndpoint(kept));
      expect(ended.metadata.labels?.[Labels.cell]).toBe(kept);
      expect((await findMove(db, moveId))!.phase).toBe(outcome);
      expect(await findActiveMove(db, tenantId)).toBeUndefined();
      expect(await captureTriggerCount(db, moveId, cellDatabaseNames(from).schema)).toBe(0);
      // Killed once the switch is committed, the move can only complete.
      if (phase === "Switched" || phase === "CleaningUp") expect(outcome).toBe("Done");
    }, 200_000);
  }
});
