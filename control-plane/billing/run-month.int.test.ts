// The month-end job's default: every invoice still owed, so a month held back by a cell that had
// not been read to the end is issued by a later run instead of being skipped for good.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import type { BillingConfig } from "./invoices.js";
import { planCatalog } from "./plans.js";
import { issueOutstanding } from "./run-month.js";
import { changePlan } from "./subscriptions.js";
import { DEFAULT_VAT } from "./vat.js";

let db: TestDatabase;
const config: BillingConfig = { plans: planCatalog(), vat: DEFAULT_VAT };

beforeAll(async () => {
  db = await createTestDatabase("billrun");
});
afterAll(async () => {
  await db?.drop();
});

describe("Given a tenant whose September was held back because its cell was down across the month's end", () => {
  it("issues September with October once the cell was read to the end, oldest first, and nothing twice", async () => {
    await changePlan(db.pool, config.plans, { tenantSlug: "mi-quang", plan: "starter", effectiveOn: "2026-09-01" });
    await changePlan(db.pool, config.plans, { tenantSlug: "banh-canh", plan: "growth", effectiveOn: "2026-10-10" });
    await db.pool.query(
      `insert into billing.feed_cursors (cell, tenant_slug, last_outbox_id, last_event_at, last_success_at, last_attempt_at, consecutive_failures)
       values ('cell-a', 'mi-quang', 10, '2026-09-29T10:00:00Z', '2026-09-29T10:00:00Z', '2026-10-02T01:00:00Z', 40)`,
    );
    const early = await issueOutstanding(db.pool, config, new Date("2026-10-02T02:00:00Z"));
    expect(early.issued).toEqual([]);
    expect(early.failed).toEqual([{ tenantSlug: "mi-quang (2026-09)", error: expect.stringContaining("not read to the end") }]);

    await db.pool.query(`update billing.feed_cursors set last_success_at = '2026-11-01T20:00:00Z', consecutive_failures = 0 where tenant_slug = 'mi-quang'`);
    const later = await issueOutstanding(db.pool, config, new Date("2026-11-02T02:00:00Z"));
    expect(later.failed).toEqual([]);
    expect(later.issued.map((i) => i.number)).toEqual(["LSP-202609-mi-quang", "LSP-202610-banh-canh", "LSP-202610-mi-quang"]);
    expect((await issueOutstanding(db.pool, config, new Date("2026-11-03T02:00:00Z"))).issued).toEqual([]);
  });
});

describe("Given a tenant cancelled in October", () => {
  it("gets its October invoice and no more invoices after it, not a zero one every month", async () => {
    await changePlan(db.pool, config.plans, { tenantSlug: "bun-mam", plan: "starter", effectiveOn: "2026-09-01" });
    await changePlan(db.pool, config.plans, { tenantSlug: "bun-mam", plan: "cancelled", effectiveOn: "2026-10-15" });
    const run = await issueOutstanding(db.pool, config, new Date("2027-01-03T02:00:00Z"));
    expect(run.issued.filter((i) => i.tenantSlug === "bun-mam").map((i) => i.period)).toEqual(["2026-09", "2026-10"]);
  });
});
