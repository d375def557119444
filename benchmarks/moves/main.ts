// `npm run bench:moves`: move a tenant with a year of history (10 locations) between two cells
// while it takes orders, and report move time and request-hold time. The peer, measured in the
// same run, is a stop-the-world move: holding the tenant for the whole copy (our copy phase time).
// Starts its own Postgres (or uses DATABASE_URL) and stops it at the end.
import { Command } from "commander";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres } from "../../scripts/services/postgres.js";
import { provisionTenant } from "../../cell/provisioning/index.js";
import { createTestCellDatabase } from "../../cell/testing/database.js";
import { moveTenant } from "../../cell/moves/index.js";
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
  .option("--out <file>", "also write the results as JSON")
  .parse();
const opts = program.opts<{ locations: number; days: number; ordersPerDay: number; writers: number; rate?: number; out?: string }>();
const log = (m: string) => process.stderr.write(`[bench:moves] ${m}\n`);
for (const [k, v] of Object.entries(opts)) if (k !== "out" && (!Number.isInteger(v) || (v as number) < 1)) throw new Error(`--${k}: expected a positive integer, got ${String(v)}`);

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
  const report = await moveTenant(
    source.admin,
    { moveId: "bench", tenantId, sourceSchema: source.schema, targetSchema: target.schema },
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
  ).finally(() => load.stop());
  const totalMs = performance.now() - t0;
  const copyMs = copyDone - t0;
  const rows = Object.values(report.copiedRows).reduce((a, b) => a + b, 0);
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
    shape: opts,
    orders,
    rowsCopied: rows,
    moveMs: Math.round(totalMs),
    copyAndCatchUpMs: Math.round(copyMs),
    holdMs: Math.round(report.holdMs),
    holdParts: report.holdParts,
    changedKeysVerifiedInHold: report.verification.reduce((n, v) => n + v.sourceRows, 0),
    writesDuringMove: load.log.committed.length,
    failedWrites: load.log.failed.length,
    tablesVerified: report.verification.length,
    peer: { name: "stop-the-world move (tenant held for the whole copy)", holdMs: Math.round(copyMs + report.holdMs) },
    holdRatioVsPeer: Number((report.holdMs / (copyMs + report.holdMs)).toFixed(4)),
    targetHoldMs: 2000,
  };
  console.log(JSON.stringify(results, null, 2));
  if (opts.out) writeFileSync(opts.out, JSON.stringify(results, null, 2));
} finally {
  await Promise.allSettled([source.drop(), target.drop()]);
  await pgHandle.stop();
  rmSync(state, { recursive: true, force: true });
}
