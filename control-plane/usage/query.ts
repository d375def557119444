// Reading metered usage back: per tenant for a period (billing, ops views).
import type pg from "pg";

export interface UsageSummary {
  tenantSlug: string;
  orders: number;
  gmvVnd: bigint;
  /** Highest reading in the period; undefined when no reading was taken in it. */
  maxActiveLocations?: number;
  maxStaffSeats?: number;
}

const SUMMARY = `
  select tenant_slug,
         count(*) filter (where kind = 'order')::int as orders,
         coalesce(sum(amount_vnd) filter (where kind = 'order'), 0)::text as gmv,
         max(quantity) filter (where kind = 'active_locations')::int as locations,
         max(quantity) filter (where kind = 'staff_seats')::int as seats
    from billing.usage_events
   where occurred_at >= $1 and occurred_at < $2 and ($3::text[] is null or tenant_slug = any($3))
   group by tenant_slug
   order by tenant_slug`;

/** Usage in [from, to) for the given tenants (all tenants when omitted). */
export async function usageSummaries(pool: pg.Pool | pg.ClientBase, from: Date, to: Date, tenants?: string[]): Promise<UsageSummary[]> {
  const { rows } = await pool.query<{ tenant_slug: string; orders: number; gmv: string; locations: number | null; seats: number | null }>(SUMMARY, [from, to, tenants ?? null]);
  return rows.map((r) => ({
    tenantSlug: r.tenant_slug,
    orders: r.orders,
    gmvVnd: BigInt(r.gmv),
    ...(r.locations !== null ? { maxActiveLocations: r.locations } : {}),
    ...(r.seats !== null ? { maxStaffSeats: r.seats } : {}),
  }));
}

/** The last reading of a gauge at or before `at` — what a period with no reading of its own starts from. */
export async function lastGaugeBefore(pool: pg.Pool | pg.ClientBase, tenantSlug: string, kind: "active_locations" | "staff_seats", at: Date): Promise<number | undefined> {
  const { rows } = await pool.query<{ q: number }>(
    `select quantity::int as q from billing.usage_events where tenant_slug = $1 and kind = $2 and occurred_at < $3 order by occurred_at desc limit 1`,
    [tenantSlug, kind, at],
  );
  return rows[0]?.q;
}
