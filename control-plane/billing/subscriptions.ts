// A tenant's subscription as its history of plan choices (billing.subscription_changes).
import type pg from "pg";
import type { PlanCatalog } from "./plans.js";
import { localDateOf } from "./period.js";
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

/** Tenants whose latest plan choice (including one dated ahead) is not a cancellation: still billed, or about to be. */
export async function runningSubscriptions(client: pg.Pool | pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ tenant_slug: string }>(
    `select tenant_slug from (
       select distinct on (tenant_slug) tenant_slug, plan from billing.subscription_changes order by tenant_slug, effective_on desc
     ) latest where plan <> $1 order by tenant_slug`,
    [CANCELLED],
  );
  return rows.map((r) => r.tenant_slug);
}

/**
 * Keeps the subscription in step with the plan the Tenant runs on (its `spec.plan`), for signup and
 * for the adoption of Tenants applied or edited with kubectl:
 * - no subscription yet: it starts today on `plan` ("started"), since a tenant is served from the
 *   day it is created;
 * - the latest choice (the one in force last, including one dated ahead) is another plan: `plan`
 *   applies from tomorrow, and choices dated after tomorrow are dropped ("changed"). Today is
 *   already billed on the plan in force, as for owners' changes;
 * - cancelled: left alone ("cancelled"). Only platform staff end a cancellation, with the CLI.
 * Runs in the caller's transaction: atomic with what it records about the tenant.
 */
export async function followTenantPlan(client: pg.ClientBase, tenant: { tenantSlug: string; plan: string }, now = new Date()): Promise<"started" | "unchanged" | "changed" | "cancelled"> {
  const current = await lockedLatestPlan(client, tenant.tenantSlug);
  if (current === undefined) {
    await client.query(`insert into billing.subscription_changes (tenant_slug, effective_on, plan) values ($1, $2, $3) on conflict (tenant_slug, effective_on) do nothing`, [tenant.tenantSlug, localDateOf(now), tenant.plan]);
    return "started";
  }
  if (current === CANCELLED) return "cancelled";
  if (current === tenant.plan) return "unchanged";
  await switchFromTomorrow(client, tenant.tenantSlug, tenant.plan, now);
  return "changed";
}

/**
 * The Tenant is being deleted: billing stops after today (a cancellation from tomorrow, unless one
 * is already the latest choice). Returns whether anything was recorded.
 */
export async function endSubscription(client: pg.ClientBase, tenantSlug: string, now = new Date()): Promise<boolean> {
  const current = await lockedLatestPlan(client, tenantSlug);
  if (current === undefined || current === CANCELLED) return false;
  await switchFromTomorrow(client, tenantSlug, CANCELLED, now);
  return true;
}

/**
 * The latest choice (the one in force last, including one dated ahead), with the tenant's
 * subscription locked until the caller's transaction ends: the adoption loop, signup and owners'
 * changes of one tenant take turns.
 */
async function lockedLatestPlan(client: pg.ClientBase, tenantSlug: string): Promise<string | undefined> {
  await client.query(`select pg_advisory_xact_lock(hashtext('subscription:' || $1))`, [tenantSlug]);
  return (await planChanges(client, tenantSlug)).at(-1)?.plan;
}

/** `plan` from tomorrow on; choices dated after tomorrow are dropped. Today stays on the plan in force. */
async function switchFromTomorrow(client: pg.ClientBase, tenantSlug: string, plan: string, now: Date): Promise<void> {
  const tomorrow = localDateOf(new Date(now.getTime() + 86_400_000));
  await client.query(`delete from billing.subscription_changes where tenant_slug = $1 and effective_on > $2`, [tenantSlug, tomorrow]);
  await client.query(
    `insert into billing.subscription_changes (tenant_slug, effective_on, plan) values ($1, $2, $3)
     on conflict (tenant_slug, effective_on) do update set plan = excluded.plan, created_at = now()`,
    [tenantSlug, tomorrow, plan],
  );
}
