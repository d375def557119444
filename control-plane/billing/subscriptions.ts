// A tenant's subscription as its history of plan choices (billing.subscription_changes).
import type pg from "pg";
import type { PlanCatalog } from "./plans.js";
import { CANCELLED, type PlanChange } from "./segments.js";

export class BillingInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "BillingInputError";
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Records that `plan` applies from local day `effectiveOn`. Choosing again for the same day
 * replaces that day's choice. Changes inside an issued period are refused: they would alter an
 * invoice that can no longer change.
 */
export async function changePlan(pool: pg.Pool, plans: PlanCatalog, change: { tenantSlug: string; plan: string; effectiveOn: string }): Promise<void> {
  if (change.plan !== CANCELLED && !plans.has(change.plan)) throw new BillingInputError("plan", `unknown plan '${change.plan}' (known: ${[...plans.keys()].join(", ")}, or '${CANCELLED}')`);
  if (!isCalendarDate(change.effectiveOn)) throw new BillingInputError("effectiveOn", `expected a date YYYY-MM-DD, got ${JSON.stringify(change.effectiveOn)}`);
  const period = change.effectiveOn.slice(0, 7);
  const closed = await pool.query(`select number from billing.invoices where tenant_slug = $1 and period >= $2 and status <> 'draft' limit 1`, [change.tenantSlug, period]);
  if (closed.rowCount) throw new BillingInputError("effectiveOn", `invoice ${closed.rows[0].number} for ${period} or later is already issued; a change must take effect after it`);
  await pool.query(
    `insert into billing.subscription_changes (tenant_slug, effective_on, plan) values ($1, $2, $3)
     on conflict (tenant_slug, effective_on) do update set plan = excluded.plan, created_at = now()`,
    [change.tenantSlug, change.effectiveOn, change.plan],
  );
}

/** Date.parse alone accepts 2026-02-30; a real day survives the round trip. */
function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

export async function planChanges(client: pg.Pool | pg.ClientBase, tenantSlug: string): Promise<PlanChange[]> {
  const { rows } = await client.query<{ effective_on: string; plan: string }>(
    `select to_char(effective_on, 'YYYY-MM-DD') as effective_on, plan from billing.subscription_changes where tenant_slug = $1 order by effective_on`,
    [tenantSlug],
  );
  return rows.map((r) => ({ effectiveOn: r.effective_on, plan: r.plan }));
}
