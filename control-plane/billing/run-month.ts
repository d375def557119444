// Month-end run: issue every subscribed tenant's invoice for a period that is over. Idempotent:
// tenants already issued keep their frozen invoice; one tenant's failure does not stop the rest.
import type pg from "pg";
import { issueInvoice, type BillingConfig, type Invoice } from "./invoices.js";
import { parsePeriod } from "./period.js";

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
