// Synthetic but shaped-like-real data for the billing benchmark: 1,000 tenants, most with one or
// two locations and a few chains with up to 20, a year of daily location and item aggregates,
// generated inside Postgres (generate_series) so loading takes seconds, not minutes.
import type pg from "pg";
import type { UsageEvent } from "../../control-plane/usage/index.js";

export interface Dataset {
  tenants: string[];
  /** tenant → number of locations */
  locations: Map<string, number>;
  locationDays: number;
  itemDays: number;
}

export function tenantSlug(i: number): string {
  return `tenant-${String(i).padStart(4, "0")}`;
}

/** Deterministic location counts: every 50th tenant is a chain of 20, every 10th has 5, the rest 1-2. */
export function locationCount(i: number): number {
  if (i % 50 === 0) return 20;
  if (i % 10 === 0) return 5;
  return 1 + (i % 2);
}

export async function loadYearOfRollups(pool: pg.Pool, tenants: number, days: number, itemsPerDay: number, lastDay: string): Promise<Dataset> {
  const slugs = Array.from({ length: tenants }, (_, i) => tenantSlug(i));
  const counts = slugs.map((_, i) => locationCount(i));
  await pool.query("truncate rollups.location_daily, rollups.item_daily, rollups.tenant_cells");
  // Revenue varies by location, weekday and a slow yearly wave, so sums are not trivially equal.
  await pool.query(
    `insert into rollups.location_daily (tenant_slug, location_id, local_date, location_name, revenue_vnd, orders)
     select t.slug, t.slug || '-loc-' || l, d::date, 'Chi nhánh ' || l,
            (o * (120000 + (l * 7919 + extract(doy from d)::int * 31) % 90000))::bigint, o
       from unnest($1::text[], $2::int[]) as t(slug, n)
       cross join lateral generate_series(1, t.n) as l
       cross join generate_series($3::date - ($4::int - 1), $3::date, interval '1 day') as d
       cross join lateral (select (40 + (l * 13 + extract(dow from d)::int * 17 + length(t.slug)) % 80)::int as o) as orders`,
    [slugs, counts, lastDay, days],
  );
  await pool.query(
    `insert into rollups.item_daily (tenant_slug, location_id, local_date, item_id, item_name, quantity, revenue_vnd)
     select ld.tenant_slug, ld.location_id, ld.local_date, 'item-' || i, 'Món số ' || i,
            greatest(1, ld.orders / (i + 1)), (ld.revenue_vnd / (i + 2))::bigint
       from rollups.location_daily ld cross join generate_series(1, $1::int) as i`,
    [itemsPerDay],
  );
  await pool.query(`insert into rollups.tenant_cells (tenant_slug, cell) select s, 'cell-' || (i % 8) from unnest($1::text[]) with ordinality as u(s, i)`, [slugs]);
  await pool.query("analyze rollups.location_daily; analyze rollups.item_daily");
  const sizes = await pool.query<{ ld: string; id: string }>("select (select count(*) from rollups.location_daily)::text as ld, (select count(*) from rollups.item_daily)::text as id");
  return { tenants: slugs, locations: new Map(slugs.map((s, i) => [s, counts[i]!])), locationDays: Number(sizes.rows[0]!.ld), itemDays: Number(sizes.rows[0]!.id) };
}

/** `count` order events spread over 1,000 tenants and a year, ids unique per tenant. */
export function orderEvents(count: number, tenants: number, offset = 0): UsageEvent[] {
  const yearStart = Date.parse("2026-01-01T00:00:00Z");
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    return {
      tenantSlug: tenantSlug(i % tenants),
      eventId: `cell-${i % 8}/outbox/${i}`,
      kind: "order" as const,
      quantity: 1n,
      amountVnd: BigInt(50_000 + (i % 400) * 1_000),
      locationId: `loc-${i % 3}`,
      occurredAt: new Date(yearStart + ((i * 7_919) % 365) * 86_400_000 + (i % 86_400) * 1000),
    };
  });
}
