import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingestUsageEvents, type UsageEvent } from "../usage/index.js";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { DunningIncompleteError, runDunning, dunningState } from "./dunning.js";
import { invoiceCsv } from "./export-csv.js";
import { invoicePdf } from "./export-pdf.js";
import { issueInvoice, prepareInvoice, recordPayment, getInvoice, UsageNotCaughtUpError, type BillingConfig } from "./invoices.js";
import { migrateBilling } from "./migrate.js";
import { planCatalog } from "./plans.js";
import { changePlan, BillingInputError } from "./subscriptions.js";
import { MemoryTenantSuspender } from "./suspension.js";
import { DEFAULT_VAT } from "./vat.js";

let db: TestDatabase;
const config: BillingConfig = { plans: planCatalog(), vat: DEFAULT_VAT, paymentTermDays: 15 };
const DECEMBER_2 = new Date("2026-12-02T02:00:00Z");

function orders(tenantSlug: string, count: number, firstId: number, at: (i: number) => Date, amount = 150_000n): UsageEvent[] {
  return Array.from({ length: count }, (_, i) => ({ tenantSlug, eventId: `cell-a/outbox/${firstId + i}`, kind: "order" as const, quantity: 1n, amountVnd: amount, occurredAt: at(i) }));
}

function gauge(tenantSlug: string, kind: "active_locations" | "staff_seats", day: string, quantity: number): UsageEvent {
  return { tenantSlug, eventId: `cell-a/gauge/${kind}/${day}`, kind, quantity: BigInt(quantity), amountVnd: 0n, occurredAt: new Date(`${day}T03:00:00Z`) };
}

beforeAll(async () => {
  db = await createTestDatabase("billing");
  await migrateBilling(db.pool);
});

afterAll(async () => {
  await db?.drop();
});

describe("Given a chain that moved from Growth to Chain on 21 November with usage all month", () => {
  const slug = "pho-24";

  beforeAll(async () => {
    await changePlan(db.pool, config.plans, { tenantSlug: slug, plan: "growth", effectiveOn: "2026-10-01" });
    await changePlan(db.pool, config.plans, { tenantSlug: slug, plan: "chain", effectiveOn: "2026-11-21" });
    await ingestUsageEvents(db.pool, [
      gauge(slug, "active_locations", "2026-10-30", 4),
      gauge(slug, "active_locations", "2026-11-25", 6),
      gauge(slug, "staff_seats", "2026-11-02", 14),
      // 6,100 orders 1-20 Nov (Growth includes 6000 × 20/30 = 4000), 900 orders 21-30 Nov.
      ...orders(slug, 6_100, 1, (i) => new Date(Date.UTC(2026, 10, 1 + (i % 20), 2))),
      ...orders(slug, 900, 10_000, (i) => new Date(Date.UTC(2026, 10, 21 + (i % 10), 2))),
    ]);
  });

  it("bills each plan for its days, with the usage of those days", async () => {
    const { invoice } = await prepareInvoice(db.pool, config, slug, "2026-11");
    expect(invoice.status).toBe("draft");
    expect(invoice.lines.map((l) => [l.code, l.plan, l.quantity, l.amountVnd])).toEqual([
      ["locations", "growth", "4", String(Math.round((4 * 449_000 * 20) / 30))],
      ["orders", "growth", "2100", String(2_100 * 80)],
      ["seats", "growth", "4", String(Math.round((4 * 25_000 * 20) / 30))],
      ["locations", "chain", "6", String((6 * 399_000 * 10) / 30)],
      ["orders", "chain", "0", "0"],
      ["gmv", "chain", String(900 * 150_000), String((900 * 150_000) / 1000)],
    ]);
    expect(invoice.totalVnd).toBe(invoice.subtotalVnd + invoice.vatVnd);
    expect(invoice.vatVnd).toBe((invoice.subtotalVnd + 5n) / 10n);
  });

  it("yields the same invoice when the period is run again", async () => {
    const first = (await prepareInvoice(db.pool, config, slug, "2026-11")).invoice;
    const again = (await prepareInvoice(db.pool, config, slug, "2026-11")).invoice;
    expect(again).toEqual(first);
  });

  it("never changes the invoice once issued, even when late usage arrives or the row is edited directly", async () => {
    const issued = await issueInvoice(db.pool, config, slug, "2026-11", DECEMBER_2);
    expect(issued).toMatchObject({ status: "issued", dueOn: "2026-12-17" });
    await ingestUsageEvents(db.pool, orders(slug, 10, 50_000, () => new Date("2026-11-15T02:00:00Z")));
    const rerun = await prepareInvoice(db.pool, config, slug, "2026-11");
    expect(rerun.invoice).toEqual(issued);
    expect(rerun.recomputedDiffers).toBe(true);
    expect(await issueInvoice(db.pool, config, slug, "2026-11", DECEMBER_2)).toEqual(issued);
    await expect(db.pool.query(`update billing.invoices set total_vnd = 1 where number = $1`, [issued.number])).rejects.toThrow(/can no longer change/);
    // What the PDF prints and what dunning reads are frozen too; status only moves forward.
    await expect(db.pool.query(`update billing.invoices set vat_rate_bp = 500 where number = $1`, [issued.number])).rejects.toThrow(/can no longer change/);
    await expect(db.pool.query(`update billing.invoices set due_on = due_on + 30 where number = $1`, [issued.number])).rejects.toThrow(/can no longer change/);
    await expect(db.pool.query(`update billing.invoices set status = 'draft' where number = $1`, [issued.number])).rejects.toThrow(/cannot return to draft/);
    await expect(db.pool.query(`delete from billing.invoices where number = $1`, [issued.number])).rejects.toThrow(/cannot be deleted/);
    expect(await getInvoice(db.pool, issued.number)).toEqual(issued);
  });

  it("bills an order that arrives after its month was issued in the month it arrived, not never", async () => {
    const tenant = "bot-chien";
    await changePlan(db.pool, config.plans, { tenantSlug: tenant, plan: "growth", effectiveOn: "2026-10-01" });
    const issued = await issueInvoice(db.pool, config, tenant, "2026-11", DECEMBER_2);
    // A POS that was offline sends a November order on 3 December.
    const late = new Date("2026-12-03T03:00:00Z");
    expect((await ingestUsageEvents(db.pool, orders(tenant, 1, 900_000, () => new Date("2026-11-20T05:00:00Z")), late)).inserted).toBe(1);
    const november = await prepareInvoice(db.pool, config, tenant, "2026-11");
    expect(november.invoice).toEqual(issued);
    expect(november.recomputedDiffers).toBe(false);
    const { rows } = await db.pool.query<{ occurred_at: Date }>(`select occurred_at from billing.usage_events where tenant_slug = $1 and event_id = 'cell-a/outbox/900000'`, [tenant]);
    expect(rows[0]!.occurred_at.toISOString()).toBe(late.toISOString());
  });

  it("bills an order ingested while its month is being issued: in that invoice, never between its computing and freezing", async () => {
    const tenant = "banh-xeo";
    await changePlan(db.pool, config.plans, { tenantSlug: tenant, plan: "chain", effectiveOn: "2026-10-01" });
    // The sync is storing a 30 November order (its transaction not yet committed) as the month is issued.
    const sync = await db.pool.connect();
    let invoice: Awaited<ReturnType<typeof issueInvoice>> | undefined;
    try {
      await sync.query("begin");
      await ingestUsageEvents(sync, orders(tenant, 1, 910_000, () => new Date("2026-11-30T05:00:00Z"), 2_000_000n), DECEMBER_2);
      const issuing = issueInvoice(db.pool, config, tenant, "2026-11", DECEMBER_2).then((i) => (invoice = i));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Issuing waits for the month's ingestion in progress, instead of freezing an invoice without it.
      expect(invoice).toBeUndefined();
      await sync.query("commit");
      await issuing;
    } finally {
      sync.release();
    }
    // Chain bills 0.1 % of the month's sales: the order's 2,000,000 ₫ are in it.
    expect(invoice!.lines.find((l) => l.code === "gmv")).toMatchObject({ quantity: "2000000", amountVnd: "2000" });
  });

  it("refuses a plan change that would reach back into an issued month", async () => {
    await expect(changePlan(db.pool, config.plans, { tenantSlug: slug, plan: "starter", effectiveOn: "2026-11-30" })).rejects.toThrow(BillingInputError);
    await expect(changePlan(db.pool, config.plans, { tenantSlug: slug, plan: "platinum", effectiveOn: "2026-12-30" })).rejects.toThrow(/plan: unknown plan 'platinum'/);
    await expect(changePlan(db.pool, config.plans, { tenantSlug: slug, plan: "chain", effectiveOn: "2027-02-29" })).rejects.toThrow(/effectiveOn: expected a date/);
  });

  it("exports line items as CSV whose amounts add up to the total", async () => {
    const invoice = (await getInvoice(db.pool, "LSP-202611-pho-24"))!;
    const csv = invoiceCsv(invoice);
    expect(csv.startsWith("\uFEFFinvoice_number,tenant,period,line")).toBe(true);
    const rows = csv.trim().split("\r\n").slice(1);
    expect(rows).toHaveLength(invoice.lines.length + 3);
    const lineSum = rows.slice(0, invoice.lines.length).reduce((s, r) => s + BigInt(r.split(",").at(-1)!), 0n);
    expect(lineSum).toBe(invoice.subtotalVnd);
    expect(rows.at(-1)).toMatch(new RegExp(`Tổng cộng thanh toán \\(total\\),,,${invoice.totalVnd}$`));
    expect(csv).toContain('"Gói Growth: phí địa điểm (4 × 449.000 ₫/tháng, 20/30 ngày)"');
  });

  it("exports a PDF whose text keeps the Vietnamese diacritics, the same bytes every time", async () => {
    const invoice = (await getInvoice(db.pool, "LSP-202611-pho-24"))!;
    const pdf = await invoicePdf(invoice, { customerName: "Phở 24 — Chuỗi nhà hàng" });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect((await invoicePdf(invoice, { customerName: "Phở 24 — Chuỗi nhà hàng" })).equals(pdf)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "invoice-"));
    writeFileSync(join(dir, "invoice.pdf"), pdf);
    let text: string;
    try {
      text = execFileSync("pdftotext", ["-layout", join(dir, "invoice.pdf"), "-"], { encoding: "utf8" });
    } catch {
      // Without poppler-utils, the embedded font's name still proves Vietnamese glyphs are not Helvetica's.
      expect(pdf.toString("latin1")).toContain("DejaVuSans");
      return;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(text).toContain("HÓA ĐƠN DỊCH VỤ");
    expect(text).toContain("Phở 24 — Chuỗi nhà hàng");
    expect(text).toContain("Tổng cộng thanh toán");
  });
});

describe("Given an issued invoice nobody pays", () => {
  const slug = "bun-dau-mam-tom";
  let number: string;

  beforeAll(async () => {
    await changePlan(db.pool, config.plans, { tenantSlug: slug, plan: "starter", effectiveOn: "2026-11-01" });
    number = (await issueInvoice(db.pool, config, slug, "2026-11", DECEMBER_2)).number;
  });

  it("marks the tenant past due after the due date, suspends it 14 days later, and lifts it when paid", async () => {
    const suspender = new MemoryTenantSuspender();
    expect(await runDunning(db.pool, suspender, { now: new Date("2026-12-10T02:00:00Z"), tenants: [slug] })).toEqual([]);
    expect((await runDunning(db.pool, suspender, { now: new Date("2026-12-18T02:00:00Z"), tenants: [slug] })).map((t) => t.to)).toEqual(["past_due"]);
    expect(suspender.suspended.has(slug)).toBe(false);
    const [suspended] = await runDunning(db.pool, suspender, { now: new Date("2026-12-31T17:30:00Z"), tenants: [slug] });
    expect(suspended).toMatchObject({ from: "past_due", to: "suspended" });
    expect(suspender.suspended.get(slug)).toMatch(new RegExp(`${number} unpaid 15 day`));
    expect(await runDunning(db.pool, suspender, { now: new Date("2027-01-02T02:00:00Z"), tenants: [slug] })).toEqual([]);

    const invoice = (await getInvoice(db.pool, number))!;
    const half = invoice.totalVnd / 2n;
    expect((await recordPayment(db.pool, { invoiceNumber: number, amountVnd: half, provider: "momo", providerRef: "momo-1" })).status).toBe("issued");
    // The same webhook delivered again records nothing more.
    expect((await recordPayment(db.pool, { invoiceNumber: number, amountVnd: half, provider: "momo", providerRef: "momo-1" })).paidVnd).toBe(half);
    expect(await runDunning(db.pool, suspender, { now: new Date("2027-01-02T03:00:00Z"), tenants: [slug] })).toEqual([]);
    const paid = await recordPayment(db.pool, { invoiceNumber: number, amountVnd: invoice.totalVnd - half, provider: "vnpay", providerRef: "vnp-77" });
    expect(paid.status).toBe("paid");
    const [lifted] = await runDunning(db.pool, suspender, { now: new Date("2027-01-02T04:00:00Z"), tenants: [slug] });
    expect(lifted).toMatchObject({ from: "suspended", to: "current", reason: "all invoices paid" });
    expect(suspender.suspended.has(slug)).toBe(false);
    expect((await dunningState(db.pool, slug)).state).toBe("current");
  });

  it("goes on with the other tenants when one Tenant cannot be patched, and says which", async () => {
    const [stuck, fine] = ["goi-cuon-a", "goi-cuon-b"];
    for (const t of [stuck, fine]) {
      await changePlan(db.pool, config.plans, { tenantSlug: t, plan: "growth", effectiveOn: "2026-11-01" });
      await issueInvoice(db.pool, config, t, "2026-11", DECEMBER_2);
    }
    const patched: string[] = [];
    const partlyFailing = { setSuspended: async (t: string) => (t === stuck ? Promise.reject(new Error("Tenant not found")) : void patched.push(t)) };
    const error = await runDunning(db.pool, partlyFailing, { now: new Date("2027-01-05T02:00:00Z"), tenants: [stuck, fine] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DunningIncompleteError);
    expect((error as DunningIncompleteError).message).toContain(`${stuck}: Tenant not found`);
    expect((error as DunningIncompleteError).transitions).toEqual([expect.objectContaining({ tenantSlug: fine, to: "suspended" })]);
    expect(patched).toEqual([fine]);
    expect((await dunningState(db.pool, fine)).state).toBe("suspended");
    expect((await dunningState(db.pool, stuck)).state).toBe("current");
  });

  it("records no new standing when suspending the Tenant fails, and suspends it on the next run", async () => {
    const other = "banh-mi-hoi-an";
    await changePlan(db.pool, config.plans, { tenantSlug: other, plan: "growth", effectiveOn: "2026-11-01" });
    await issueInvoice(db.pool, config, other, "2026-11", DECEMBER_2);
    const failing = { setSuspended: async () => Promise.reject(new Error("apiserver unavailable")) };
    await expect(runDunning(db.pool, failing, { now: new Date("2027-01-05T02:00:00Z"), tenants: [other] })).rejects.toThrow(/apiserver unavailable/);
    expect((await dunningState(db.pool, other)).state).toBe("current");
    const suspender = new MemoryTenantSuspender();
    expect((await runDunning(db.pool, suspender, { now: new Date("2027-01-05T02:05:00Z"), tenants: [other] }))[0]).toMatchObject({ to: "suspended" });
    expect(suspender.suspended.has(other)).toBe(true);
  });

  it("holds the invoice back while a cell that fed the tenant has not been read to the end since the month ended", async () => {
    const tenant = "lau-de";
    await changePlan(db.pool, config.plans, { tenantSlug: tenant, plan: "growth", effectiveOn: "2026-10-01" });
    // cell-a was down from 30 Nov: its last complete read was before the month ended. cell-old fed the tenant until August.
    await db.pool.query(
      `insert into billing.feed_cursors (cell, tenant_slug, last_outbox_id, last_event_at, last_success_at, last_attempt_at, consecutive_failures)
       values ('cell-a', $1, 10, '2026-11-29T10:00:00Z', '2026-11-29T10:00:00Z', '2026-12-02T01:00:00Z', 40),
              ('cell-old', $1, 99, '2026-08-01T00:00:00Z', '2026-08-02T00:00:00Z', '2026-08-02T00:00:00Z', 0)`,
      [tenant],
    );
    const error = await issueInvoice(db.pool, config, tenant, "2026-11", DECEMBER_2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageNotCaughtUpError);
    expect((error as Error).message).toMatch(/cell cell-a: last complete read 2026-11-29T10:00:00.000Z/);
    expect((error as Error).message).not.toMatch(/cell-old/);
    expect((await prepareInvoice(db.pool, config, tenant, "2026-11")).invoice.status).toBe("draft");
    await db.pool.query(`update billing.feed_cursors set last_success_at = '2026-12-02T03:00:00Z', consecutive_failures = 0 where cell = 'cell-a' and tenant_slug = $1`, [tenant]);
    expect((await issueInvoice(db.pool, config, tenant, "2026-11", DECEMBER_2)).status).toBe("issued");
  });

  it("issues the month of a tenant deleted during it without waiting for its cell, which will never be read again", async () => {
    const tenant = "nem-nuong";
    await changePlan(db.pool, config.plans, { tenantSlug: tenant, plan: "growth", effectiveOn: "2026-10-01" });
    await changePlan(db.pool, config.plans, { tenantSlug: tenant, plan: "cancelled", effectiveOn: "2026-11-20" });
    await db.pool.query(
      `insert into billing.feed_cursors (cell, tenant_slug, last_outbox_id, last_event_at, last_success_at, last_attempt_at, consecutive_failures)
       values ('cell-a', $1, 10, '2026-11-19T10:00:00Z', '2026-11-19T10:00:00Z', '2026-11-19T10:00:00Z', 0)`,
      [tenant],
    );
    const invoice = await issueInvoice(db.pool, config, tenant, "2026-11", DECEMBER_2);
    expect(invoice.status).toBe("issued");
    expect(invoice.lines.find((l) => l.code === "locations")).toMatchObject({ plan: "growth", to: "2026-11-19" });
  });

  it("issues the month of a tenant that moved cells during it once its new cell was read past the month's end", async () => {
    const tenant = "banh-cuon";
    await changePlan(db.pool, config.plans, { tenantSlug: tenant, plan: "growth", effectiveOn: "2026-10-01" });
    // Moved from cell-a to cell-b on 10 November: cell-a's cursor stopped then and was retired when cell-b was first read.
    await db.pool.query(
      `insert into billing.feed_cursors (cell, tenant_slug, last_outbox_id, last_event_at, last_success_at, last_attempt_at, retired_at)
       values ('cell-a', $1, 10, '2026-11-10T02:00:00Z', '2026-11-10T02:00:00Z', '2026-11-10T02:00:00Z', '2026-11-10T02:01:00Z'),
              ('cell-b', $1, 1000010, '2026-11-30T10:00:00Z', '2026-11-30T16:00:00Z', '2026-11-30T16:00:00Z', null)`,
      [tenant],
    );
    const error = await issueInvoice(db.pool, config, tenant, "2026-11", DECEMBER_2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageNotCaughtUpError);
    expect((error as Error).message).toMatch(/cell cell-b/);
    expect((error as Error).message).not.toMatch(/cell-a/);
    await db.pool.query(`update billing.feed_cursors set last_success_at = '2026-12-02T03:00:00Z' where cell = 'cell-b' and tenant_slug = $1`, [tenant]);
    const issued = await issueInvoice(db.pool, config, tenant, "2026-11", DECEMBER_2);
    expect(issued.status).toBe("issued");

    // Ten instalments arriving at once (separate connections) all count: the invoice ends paid.
    const part = issued.totalVnd / 10n;
    const parts = Array.from({ length: 10 }, (_, i) => (i === 9 ? issued.totalVnd - part * 9n : part));
    await Promise.all(parts.map((amountVnd, i) => recordPayment(db.pool, { invoiceNumber: issued.number, amountVnd, provider: "zalopay", providerRef: `zp-${tenant}-${i}` })));
    expect(await getInvoice(db.pool, issued.number)).toMatchObject({ status: "paid", paidVnd: issued.totalVnd });
    await expect(db.pool.query(`update billing.invoices set status = 'issued' where number = $1`, [issued.number])).rejects.toThrow(/cannot go from paid to issued/);
  });

  it("refuses to issue a month that is not over", async () => {
    await expect(issueInvoice(db.pool, config, slug, "2026-12", new Date("2026-12-31T16:59:59Z"))).rejects.toThrow(/2026-12 is not over yet/);
  });
});
