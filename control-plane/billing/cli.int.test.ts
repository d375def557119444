import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { migrateBilling } from "./migrate.js";
import { planCatalog } from "./plans.js";
import { previousPeriod } from "./run-month.js";
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

  it("records a payment once per reference and updates the tenant's standing at once", async () => {
    const plans = planCatalog();
    await changePlan(db.pool, plans, { tenantSlug: "banh-cuon", plan: "starter", effectiveOn: "2026-09-01" });
    await billing("issue", "--period", "2026-09");
    const { rows } = await db.pool.query<{ total: string }>(`select total_vnd::text as total from billing.invoices where number = 'LSP-202609-banh-cuon'`);
    const total = rows[0]!.total;
    // Past due already (the due date is in October): paying makes it current straight away.
    await db.pool.query(`insert into billing.dunning (tenant_slug, state, since, reason) values ('banh-cuon', 'past_due', now(), 'test')`);
    const paid = await billing("pay", "--number", "LSP-202609-banh-cuon", "--amount", total, "--ref", "VCB-0001");
    expect(paid.stdout).toContain(`LSP-202609-banh-cuon\tpaid\tpaid ${total} of ${total} VND`);
    expect(paid.stdout).toContain("banh-cuon\tpast_due -> current\tall invoices paid");
    // The bank's notice read twice: recorded once.
    expect((await billing("pay", "--number", "LSP-202609-banh-cuon", "--amount", total, "--ref", "VCB-0001")).stdout).toContain(`paid ${total} of ${total} VND`);
    await expect(billing("pay", "--number", "LSP-202609-banh-cuon", "--amount", "1.5", "--ref", "x")).rejects.toMatchObject({ stderr: expect.stringContaining("amount: expected a whole number of đồng") });
    await expect(billing("pay", "--number", "LSP-000000-none", "--amount", "10", "--ref", "x")).rejects.toMatchObject({ stderr: expect.stringContaining("no invoice 'LSP-000000-none'") });
  });

  it("says the payment is recorded when lifting a suspension cannot reach the cluster, and exits non-zero", async () => {
    await changePlan(db.pool, planCatalog(), { tenantSlug: "che-ba-mau", plan: "starter", effectiveOn: "2026-09-01" });
    await billing("issue", "--period", "2026-09");
    await db.pool.query(`insert into billing.dunning (tenant_slug, state, since, reason) values ('che-ba-mau', 'suspended', now(), 'test')`);
    const total = (await db.pool.query<{ total: string }>(`select total_vnd::text as total from billing.invoices where number = 'LSP-202609-che-ba-mau'`)).rows[0]!.total;
    const failed = await run(process.execPath, ["--import", "tsx", CLI, "pay", "--number", "LSP-202609-che-ba-mau", "--amount", total, "--ref", "VCB-0002"], {
      env: { ...process.env, DATABASE_URL: db.url, KUBECONFIG: join(dir, "no-such-kubeconfig") },
      cwd: join(import.meta.dirname, "../.."),
    }).then(() => undefined, (e: { stdout: string; stderr: string; code: number }) => e);
    expect(failed).toMatchObject({ code: 1, stdout: expect.stringContaining("LSP-202609-che-ba-mau\tpaid"), stderr: expect.stringContaining("the payment is recorded, but updating che-ba-mau's standing failed") });
    expect((await db.pool.query(`select status from billing.invoices where number = 'LSP-202609-che-ba-mau'`)).rows[0]).toEqual({ status: "paid" });
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
