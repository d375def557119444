// `npm run bench:moves`: move a tenant with a year of history (10 locations) between two cells
// while it takes orders, and report move time and request-hold time. The peer, measured in the
// same run, is a stop-the-world move: holding the tenant for the whole copy (our copy phase time).
// When the writes outrun the catch-up passes, admission declines the hold and the move rolls
// back (MoveNotSettledError): reported as outcome "not settled", with the writes it kept.
// Starts its own Postgres (or uses DATABASE_URL) and stops it at the end.
import { Command } from "commander";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres } from "../../scripts/services/postgres.js";
import { provisionTenant } from "../../cell/provisioning/index.js";
import { createTestCellDatabase } from "../../cell/testing/database.js";
import { moveTenant, MoveNotSettledError, readMove, type MoveReport } from "../../cell/moves/index.js";
import { seedMenu, WriteLoad } from "../../cell/moves/testing.js";
import { seedHistory } from "./seed.js";

const program = new Command()
  .name("bench:moves")
  .description("Tenant move benchmark: total move time and request-hold time for a tenant with a year of history, moved while it takes orders; the peer is holding the tenant for the whole copy (stop-the-world move)")
  .option("--locations <n>", "locations of the moved tenant", (v) => Number(v), 10)
  .option("--days <n>", "days of history", (v) => Number(v), 365)
  .option("--orders-per-day <n>", "orders per location and day", (v) => Number(v), 60)
  .option("--writers <n>", "concurrent order writers during the move", (v) => Number(v), 2)
  .option("--rate <n>", "orders per second per writer (default: as fast as they can)", (v) => Number(v))
  .option("--settled-below <n>", "admission: hold only once a catch-up pass applied fewer changes than this (the operator's --move-settled-below)", (v) => Number(v))
  .option("--settle-budget <seconds>", "admission: give up (roll back, no hold) when the passes have not settled after this long", (v) => Number(v), 60)
  .option("--out <file>", "also write the results as JSON")
  .parse();
const opts = program.opts<{ locations: number; days: number; ordersPerDay: number; writers: number; rate?: number; settledBelow?: number; settleBudget: number; out?: string }>();
const log = (m: string) => process.stderr.write(`[bench:moves] ${m}\n`);
const flag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
for (const [k, v] of Object.entries(opts)) {
  // 0 is a meaningful --settled-below (never settle: the move always gives up); elsewhere it is not.
  const least = k === "settledBelow" ? 0 : 1;
  if (k !== "out" && (!Number.isInteger(v) || (v as number) < least)) throw new Error(`--${flag(k)}: expected a whole number of at least ${least}, got ${String(v)}`);
}

const state = mkdtempSync(join(tmpdir(), "lsp-bench-moves-"));
chmodSync(state, 0o777);
const pgHandle = await startPostgres({ dataDir: join(state, "pg"), persistent: false });
process.env.DATABASE_URL = pgHandle.url;
const source = await createTestCellDatabase("bsrc");
const target = await createTestCellDatabase("bdst");

try {
  const { tenantId } = await provisionTenant(source.admin, source.cellName, {
    slug: "chuoi-pho-ha-noi",
    displayName: "Chuỗi Phở Hà Nội",
    plan: "chain",
    owner: { phone: "+84901234567", name: "Chị Lan" },
    locations: Array.from({ length: opts.locations }, (_, i) => ({ name: `Chi nhánh ${i + 1}` })),
  });
  const tenant = await seedMenu(source.admin, source.schema, tenantId);
  let t0 = performance.now();
  const orders = await seedHistory(source.admin, source.schema, tenantId, tenant.locationIds, tenant.menuItemIds, { days: opts.days, ordersPerLocationDay: opts.ordersPerDay });
  log(`seeded ${orders} orders over ${opts.days} days in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const route = { current: "source" as "source" | "target" };
  const load = new WriteLoad(tenant, route);
  load.start(opts.writers, source.roleUrl, target.roleUrl, opts.rate === undefined ? {} : { ordersPerSecond: opts.rate });
  await new Promise((r) => setTimeout(r, 500));
  t0 = performance.now();
  let copyDone = 0;
  const move = { moveId: "bench", tenantId, sourceSchema: source.schema, targetSchema: target.schema };
  let report: MoveReport | MoveNotSettledError;
  try {
    report = await moveTenant(
      source.admin,
      move,
      {
        hold: async () => {
          copyDone = performance.now();
          await load.hold();
        },
        switchRoute: async () => {
          route.current = "target";
          load.release();
        },
        release: async () => load.release(),
      },
      { settledBelow: opts.settledBelow, settleBudgetMs: opts.settleBudget * 1000 },
    );
  } catch (error) {
    // Admission said no: the writes outran the catch-up passes. That is a result, not a crash.
    if (!(error instanceof MoveNotSettledError)) throw error;
    report = error;
  } finally {
    load.stop();
  }
  const totalMs = performance.now() - t0;
  const writes = { writesDuringMove: load.log.committed.length, failedWrites: load.log.failed.length };
  const run = { date: new Date().toISOString(), machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) }, shape: opts, orders };
  let results: Record<string, unknown>;
  if (report instanceof MoveNotSettledError) {
    const record = await readMove(source.admin, move.moveId);
    results = {
      ...run,
      outcome: "not settled: no hold, rolled back",
      moveMs: Math.round(totalMs),
      holdMs: 0,
      lastPassApplied: report.last.lastApplied,
      movePhase: record.phase,
      routeAfter: route.current,
      ...writes,
      targetHoldMs: 2000,
    };
  } else {
    const copyMs = copyDone - t0;
    results = {
      ...run,
      outcome: "moved",
      rowsCopied: Object.values(report.copiedRows).reduce((a, b) => a + b, 0),
      moveMs: Math.round(totalMs),
      copyAndCatchUpMs: Math.round(copyMs),
      holdMs: Math.round(report.holdMs),
      holdParts: report.holdParts,
      changedKeysVerifiedInHold: report.verification.reduce((n, v) => n + v.sourceRows, 0),
      ...writes,
      tablesVerified: report.verification.length,
      peer: { name: "stop-the-world move (tenant held for the whole copy)", holdMs: Math.round(copyMs + report.holdMs) },
      holdRatioVsPeer: Number((report.holdMs / (copyMs + report.holdMs)).toFixed(4)),
      targetHoldMs: 2000,
    };
  }
  console.log(JSON.stringify(results, null, 2));
  if (opts.out) writeFileSync(opts.out, JSON.stringify(results, null, 2));
} finally {
  await Promise.allSettled([source.drop(), target.drop()]);
  await pgHandle.stop();
  rmSync(state, { recursive: true, force: true });
}
