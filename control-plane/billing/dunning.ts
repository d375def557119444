// Dunning: from unpaid invoices to the tenant's standing, and from standing to `spec.suspended`.
// Level-triggered: each run derives the state from the invoices and only records a new state
// after the Tenant was patched, so a failed patch is simply retried by the next run.
import type pg from "pg";
import type { TenantSuspender } from "./suspension.js";

export type DunningState = "current" | "past_due" | "suspended";

export interface DunningPolicy {
  /** Days after the due date an unpaid invoice suspends the tenant; default 14. */
  suspendAfterDays: number;
}

export const DEFAULT_DUNNING: DunningPolicy = { suspendAfterDays: 14 };

export interface DunningTransition {
  tenantSlug: string;
  from: DunningState;
  to: DunningState;
  reason: string;
}

interface Standing {
  tenant_slug: string;
  previous: DunningState | null;
  oldest_number: string | null;
  days_overdue: number | null;
}

// Every tenant with an invoice or a dunning record, with its oldest overdue unpaid invoice.
const STANDINGS = `
  with overdue as (
    select distinct on (tenant_slug) tenant_slug, number, ($1::date - due_on) as days_overdue
      from billing.invoices
     where status = 'issued' and paid_vnd < total_vnd and due_on < $1::date
     order by tenant_slug, due_on, number
  ), tenants as (
    select tenant_slug from billing.invoices union select tenant_slug from billing.dunning
  )
  select t.tenant_slug, d.state as previous, o.number as oldest_number, o.days_overdue
    from tenants t left join billing.dunning d using (tenant_slug) left join overdue o using (tenant_slug)
   where $2::text[] is null or t.tenant_slug = any($2)
   order by t.tenant_slug`;

export async function runDunning(pool: pg.Pool, suspender: TenantSuspender, options: { now?: Date; policy?: DunningPolicy; tenants?: string[] } = {}): Promise<DunningTransition[]> {
  const now = options.now ?? new Date();
  const policy = options.policy ?? DEFAULT_DUNNING;
  // Due dates are Vietnamese calendar days.
  const today = new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
  const { rows } = await pool.query<Standing>(STANDINGS, [today, options.tenants ?? null]);
  const transitions: DunningTransition[] = [];
  // One tenant whose Tenant cannot be patched (gone from the cluster, API down) must not stop
  // the others: their suspensions and, more to the point, their un-suspensions once paid.
  const failures: string[] = [];
  for (const row of rows) {
    const from: DunningState = row.previous ?? "current";
    const overdue = row.days_overdue ?? 0;
    const to: DunningState = row.oldest_number === null ? "current" : overdue >= policy.suspendAfterDays ? "suspended" : "past_due";
    if (to === from) continue;
    const reason = row.oldest_number === null ? "all invoices paid" : `invoice ${row.oldest_number} unpaid ${overdue} day(s) after its due date`;
    if (to === "suspended" || from === "suspended") {
      try {
        await suspender.setSuspended(row.tenant_slug, to === "suspended", reason);
      } catch (error) {
        // No new standing is recorded: the next run tries again.
        failures.push(`${row.tenant_slug}: ${(error as Error).message}`);
        continue;
      }
    }
    await pool.query(
      `insert into billing.dunning (tenant_slug, state, since, reason) values ($1, $2, $3, $4)
       on conflict (tenant_slug) do update set state = excluded.state, since = excluded.since, reason = excluded.reason`,
      [row.tenant_slug, to, now, reason],
    );
    transitions.push({ tenantSlug: row.tenant_slug, from, to, reason });
  }
  if (failures.length > 0) throw new DunningIncompleteError(failures, transitions);
  return transitions;
}

export async function dunningState(pool: pg.Pool | pg.ClientBase, tenantSlug: string): Promise<{ state: DunningState; since?: Date; reason: string }> {
  const { rows } = await pool.query<{ state: DunningState; since: Date; reason: string }>(`select state, since, reason from billing.dunning where tenant_slug = $1`, [tenantSlug]);
  return rows[0] ?? { state: "current", reason: "" };
}

/** Some tenants' standing could not be changed; the rest were (`transitions`). The run should be retried. */
export class DunningIncompleteError extends Error {
  constructor(
    readonly failures: string[],
    readonly transitions: DunningTransition[],
  ) {
    super(`dunning could not update ${failures.length} tenant(s), the others were updated: ${failures.join("; ")}`);
    this.name = "DunningIncompleteError";
  }
}
