import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { previousPeriod } from "./cli.js";
import { migrateBilling } from "./migrate.js";
import { planCatalog } from "./plans.js";
import { changePlan } from "./subscriptions.js";

const run = promisify(execFile);
const CLI = join(import.meta.dirname, "cli.ts");
let db: TestDatabase;
let dir: string;

async function billing(...args: string[]) {
  return run(process.execPath, ["--import", "tsx", CLI, ...args], { env: { ...process.env, DATABASE_URL: db.url }, cwd: join(import.meta.dirname, "../..") });
}

beforeAll(async () => {
  db = await createTestDatabase("billcli");
  await migrateBilling(db.pool);
  dir = mkdtempSync(join(tmpdir(), "billing-cli-"));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

describe("Given the billing command line", () => {
  it("changes a plan, issues the month for every subscribed tenant and exports an invoice", async () => {
    await billing("plan", "--tenant", "ca-phe-trung", "--plan", "starter", "--from", "2026-09-01");
    const plans = planCatalog();
    await changePlan(db.pool, plans, { tenantSlug: "ca-phe-trung", plan: "growth", effectiveOn: "2026-10-16" });
    await changePlan(db.pool, plans, { tenantSlug: "tra-sua", plan: "chain", effectiveOn: "2026-10-31" });
    await changePlan(db.pool, plans, { tenantSlug: "later", plan: "chain", effectiveOn: "2026-11-01" });
    const issued = await billing("issue", "--period", "2026-10");
    const lines = issued.stdout.trim().split("\n");
    expect(lines.map((l) => l.split("\t")[0])).toEqual(["LSP-202610-ca-phe-trung", "LSP-202610-tra-sua"]);
    expect((await billing("issue", "--period", "2026-10")).stdout).toBe(issued.stdout);
    await billing("export", "--number", "LSP-202610-ca-phe-trung", "--format", "csv", "--out", join(dir, "i.csv"));
    const csv = readFileSync(join(dir, "i.csv"), "utf8");
    expect(csv).toContain("Gói Starter: phí địa điểm (1 × 199.000 ₫/tháng, 15/31 ngày)");
    expect(csv).toContain("Gói Growth: phí địa điểm (1 × 449.000 ₫/tháng, 16/31 ngày)");
  });

  it("names the bad argument and exits non-zero", async () => {
    await expect(billing("plan", "--tenant", "x", "--plan", "gold", "--from", "2026-10-01")).rejects.toMatchObject({ stderr: expect.stringContaining("plan: unknown plan 'gold'") });
    await expect(billing("export", "--number", "LSP-000000-none", "--out", join(dir, "x.pdf"))).rejects.toMatchObject({ code: 2 });
  });

  it("defaults to last month in Vietnamese time", () => {
    expect(previousPeriod(new Date("2026-11-30T17:30:00Z"))).toBe("2026-11"); // 1 Dec 00:30 in Vietnam
    expect(previousPeriod(new Date("2026-11-30T16:30:00Z"))).toBe("2026-10");
    expect(previousPeriod(new Date("2027-01-05T00:00:00Z"))).toBe("2026-12");
  });
});
