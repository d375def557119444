// Month-end run: issue every subscribed tenant's invoice for a period that is over. Idempotent:
// tenants already issued keep their frozen invoice; one tenant's failure does not stop the rest.
import type pg from "pg";
import { issueInvoice, type BillingConfig, type Invoice } from "./invoices.js";
import { localDateOf, parsePeriod, periodOf } from "./period.js";
import { CANCELLED } from "./segments.js";

export interface MonthRun {
  issued: Invoice[];
  failed: { tenantSlug: string; error: string }[];
}

/**
 * Tenants with days to bill in the period: their subscription had started before it ended, and
 * it was not cancelled before it began (a cancelled tenant gets no more invoices, not a zero one
 * every month), unless their plan changed during it.
 */
export async function subscribedTenants(pool: pg.Pool, periodId: string): Promise<string[]> {
  const period = parsePeriod(periodId);
  const { rows } = await pool.query<{ tenant_slug: string }>(
    `select tenant_slug from billing.subscription_changes
      group by tenant_slug
     having min(effective_on) < $2::date
        and (bool_or(effective_on >= $1::date and effective_on < $2::date)
             or (array_agg(plan order by effective_on desc) filter (where effective_on < $1::date))[1] is distinct from $3)
     order by tenant_slug`,
    [localDateOf(period.start), localDateOf(period.end), CANCELLED],
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
export async function issueOutstanding(pool: pg.Pool, config: BillingConfig, now = new Date(), lookbackMonths = 12): Promise<MonthRun> {
  const periods: string[] = [];
  for (let p = previousPeriod(now); periods.length < lookbackMonths; p = previousPeriod(parsePeriod(p).start)) periods.unshift(p);
  const run: MonthRun = { issued: [], failed: [] };
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
