// Month-end run: issue every subscribed tenant's invoice for a period that is over. Idempotent:
// tenants already issued keep their frozen invoice; one tenant's failure does not stop the rest.
import type pg from "pg";
import { issueInvoice, type BillingConfig, type Invoice } from "./invoices.js";
import { parsePeriod, periodOf } from "./period.js";

export interface MonthRun {
  issued: Invoice[];
  failed: { tenantSlug: string; error: string }[];
}

/** Tenants whose subscription had started before the period ended. */
export async function subscribedTenants(pool: pg.Pool, periodId: string): Promise<string[]> {
  const period = parsePeriod(periodId);
  const { rows } = await pool.query<{ tenant_slug: string }>(
    `select distinct tenant_slug from billing.subscription_changes where effective_on < ($1::timestamptz at time zone 'Asia/Ho_Chi_Minh')::date order by tenant_slug`,
    [period.end],
  );
  return rows.map((r) => r.tenant_slug);
}

export async function issueMonth(pool: pg.Pool, config: BillingConfig, periodId: string, now = new Date()): Promise<MonthRun> {
  const run: MonthRun = { issued: [], failed: [] };
  for (const tenantSlug of await subscribedTenants(pool, periodId)) {
    try {
      run.issued.push(await issueInvoice(pool, config, tenantSlug, periodId, now));
    } catch (error) {
      run.failed.push({ tenantSlug, error: (error as Error).message });
    }
  }
  return run;
}

/** The month before the one `now` falls in, in Vietnamese time. */
export function previousPeriod(now = new Date()): string {
  const [year, month] = periodOf(now).split("-").map(Number) as [number, number];
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, "0")}`;
}

/**
 * Every invoice still owed, oldest month first: for each of the last `lookbackMonths` months that
 * are over, the subscribed tenants without an issued invoice. A month held back (a cell not read
 * to the end yet) is issued by a later run, not skipped once the calendar moves on.
 */
export async function issueOutstanding(pool: pg.Pool, config: BillingConfig, now = new Date(), lookbackMonths = 12): Promise<MonthRun & { periods: string[] }> {
  const periods: string[] = [];
  for (let p = previousPeriod(now); periods.length < lookbackMonths; p = previousPeriod(parsePeriod(p).start)) periods.unshift(p);
  const run: MonthRun & { periods: string[] } = { issued: [], failed: [], periods };
  for (const periodId of periods) {
    const { rows } = await pool.query<{ tenant_slug: string }>(`select tenant_slug from billing.invoices where period = $1 and status <> 'draft'`, [periodId]);
    const done = new Set(rows.map((r) => r.tenant_slug));
    for (const tenantSlug of await subscribedTenants(pool, periodId)) {
      if (done.has(tenantSlug)) continue;
      try {
        run.issued.push(await issueInvoice(pool, config, tenantSlug, periodId, now));
      } catch (error) {
        run.failed.push({ tenantSlug: `${tenantSlug} (${periodId})`, error: (error as Error).message });
      }
    }
  }
  return run;
}

