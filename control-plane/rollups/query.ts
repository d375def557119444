// Owner rollups: revenue, orders, average ticket and top items per location, per tenant and in
// total, bucketed by day, ISO week (Monday) or month. Two grouped reads; revenue and orders above
// a location are sums of the location rows, so every level adds up by construction.
import type pg from "pg";
import { inTransaction } from "../../common/pg-transaction.js";
import { concurrencyLimit } from "../../common/concurrency-limit.js";
import { ControlPlaneError } from "../identity/errors.js";

export const Grains = ["day", "week", "month"] as const;
export type Grain = (typeof Grains)[number];

export interface ItemFigures {
  tenantSlug: string;
  itemId: string;
  itemName: string;
  quantity: bigint;
  revenueVnd: bigint;
}

export interface Figures {
  revenueVnd: bigint;
  orders: number;
  /** revenue / orders rounded half up; 0 with no orders. */
  averageTicketVnd: bigint;
  topItems: ItemFigures[];
}

export interface PeriodFigures extends Figures {
  /** First day of the bucket, YYYY-MM-DD. */
  periodStart: string;
}

export interface Breakdown {
  total: Figures;
  periods: PeriodFigures[];
}

export interface LocationRollup extends Breakdown {
  tenantSlug: string;
  locationId: string;
  locationName: string;
}

export interface TenantRollup extends Breakdown {
  tenantSlug: string;
  locations: LocationRollup[];
}

export interface Rollup extends Breakdown {
  tenants: TenantRollup[];
}

export interface RollupQuery {
  tenants: string[];
  from: string;
  to: string;
  grain: Grain;
  topItems: number;
  /** Also rank top items inside every period (default true); false ranks them for totals only, much cheaper by day over a year. */
  periodTopItems?: boolean;
}

interface LocationRow {
  tenant_slug: string;
  location_id: string;
  location_name: string;
  bucket: string;
  revenue: string;
  orders: number;
}

interface ItemRow {
  tenant_slug: string;
  location_id: string | null;
  bucket: string | null;
  item_id: string;
  item_name: string;
  quantity: string;
  revenue: string;
  /** 0 location × bucket, 1 location, 2 tenant × bucket, 3 tenant. */
  set_id: number;
  own_top: boolean;
  all_top: boolean;
}

// grain is checked against Grains before it reaches SQL; date_trunc takes it as a text argument.
// Grouping by the bucket date (not its text) lets Postgres hash-aggregate instead of sorting.
const LOCATIONS = `
  select tenant_slug, location_id, location_name, to_char(bucket, 'YYYY-MM-DD') as bucket, revenue::text as revenue, orders::int as orders
    from (select tenant_slug, location_id, date_trunc($4, local_date)::date as bucket, max(location_name) as location_name,
                 sum(revenue_vnd) as revenue, sum(orders) as orders
            from rollups.location_daily
           where tenant_slug = any($1) and local_date between $2::date and $3::date
           group by tenant_slug, location_id, bucket) b`;

// Top items are ranked in Postgres: grouping sets yield the item sums of each level (location ×
// bucket and tenant × bucket, or location and tenant for the totals), row_number keeps the top N
// of each, plus for the tenant-level sets the top N across all tenants. Items are identified per
// tenant (menu ids are a tenant's own), so "all tenants" ranks (tenant, item) pairs.
// set_id: 0 location × bucket, 1 location, 2 tenant × bucket, 3 tenant.
function itemsSql(bucketed: boolean): string {
  // The totals ignore the grain, but the statement still names $4 so both variants take the same parameters.
  const bucket = bucketed ? "date_trunc($4, local_date)::date" : "(case when $4::text is null then null end)::date";
  const sets = bucketed ? "(tenant_slug, location_id, bucket, item_id), (tenant_slug, bucket, item_id)" : "(tenant_slug, location_id, item_id), (tenant_slug, item_id)";
  return `
  with fine as (
    -- The finest level first (a hash aggregate of the day rows), so the grouping sets below work
    -- on one row per item and bucket instead of one per item and day.
    select tenant_slug, location_id, ${bucket} as bucket, item_id, max(item_name) as item_name,
           sum(quantity) as quantity, sum(revenue_vnd) as revenue
      from rollups.item_daily
     where tenant_slug = any($1) and local_date between $2::date and $3::date
     group by tenant_slug, location_id, ${bucketed ? "bucket, " : ""}item_id
  ), sums as (
    select tenant_slug, location_id, ${bucketed ? "bucket" : "null::date as bucket"}, item_id, max(item_name) as item_name, sum(quantity) as quantity, sum(revenue) as revenue,
           grouping(location_id) * 2 + ${bucketed ? 0 : 1} as set_id
      from fine
     group by grouping sets (${sets})
  ), ranked as (
    select *, row_number() over (partition by set_id, tenant_slug, location_id, bucket order by revenue desc, item_name, item_id) as own_rank,
              row_number() over (partition by set_id, bucket order by revenue desc, item_name, tenant_slug, item_id) as all_rank
      from sums
  )
  select tenant_slug, location_id, to_char(bucket, 'YYYY-MM-DD') as bucket, item_id, item_name,
         quantity::text, revenue::text, set_id, own_rank <= $5 as own_top, (set_id >= 2 and all_rank <= $5) as all_top
    from ranked
   where own_rank <= $5 or (set_id >= 2 and all_rank <= $5)`;
}

const ITEMS_TOTAL = itemsSql(false);
const ITEMS_BY_PERIOD = itemsSql(true);

class Acc {
  revenue = 0n;
  orders = 0;
  items: ItemFigures[] = [];

  add(revenue: bigint, orders: number): void {
    this.revenue += revenue;
    this.orders += orders;
  }

  figures(top: number): Figures {
    const topItems = this.items.sort(byRevenue).slice(0, top);
    return { revenueVnd: this.revenue, orders: this.orders, averageTicketVnd: this.orders === 0 ? 0n : (this.revenue * 2n + BigInt(this.orders)) / (BigInt(this.orders) * 2n), topItems };
  }
}

function byRevenue(a: ItemFigures, b: ItemFigures): number {
  if (a.revenueVnd !== b.revenueVnd) return b.revenueVnd > a.revenueVnd ? 1 : -1;
  return a.itemName < b.itemName ? -1 : a.itemName > b.itemName ? 1 : 0;
}

class Level {
  total = new Acc();
  periods = new Map<string, Acc>();

  at(bucket: string): Acc {
    let acc = this.periods.get(bucket);
    if (!acc) this.periods.set(bucket, (acc = new Acc()));
    return acc;
  }

  breakdown(top: number): Breakdown {
    return { total: this.total.figures(top), periods: [...this.periods.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([periodStart, acc]) => ({ periodStart, ...acc.figures(top) })) };
  }
}

export async function rollupSales(pool: pg.Pool, query: RollupQuery): Promise<Rollup> {
  if (!Grains.includes(query.grain)) throw new Error(`grain: expected one of ${Grains.join(", ")}, got ${JSON.stringify(query.grain)}`);
  const params = [query.tenants, query.from, query.to, query.grain];
  const { locations, totalItems, periodItems } = await withWorkMem(pool, async (client) => ({
    locations: await client.query<LocationRow>(LOCATIONS, params),
    totalItems: query.topItems > 0 ? await client.query<ItemRow>(ITEMS_TOTAL, [...params, query.topItems]) : { rows: [] as ItemRow[] },
    periodItems: query.topItems > 0 && query.periodTopItems !== false ? await client.query<ItemRow>(ITEMS_BY_PERIOD, [...params, query.topItems]) : { rows: [] as ItemRow[] },
  }));

  const all = new Level();
  const tenants = new Map<string, Level>();
  const locs = new Map<string, { level: Level; tenantSlug: string; locationId: string; locationName: string }>();
  const tenantLevel = (tenantSlug: string) => {
    let tenant = tenants.get(tenantSlug);
    if (!tenant) tenants.set(tenantSlug, (tenant = new Level()));
    return tenant;
  };
  const locationLevel = (tenantSlug: string, locationId: string, locationName = "") => {
    const key = `${tenantSlug}|${locationId}`;
    let loc = locs.get(key);
    if (!loc) locs.set(key, (loc = { level: new Level(), tenantSlug, locationId, locationName }));
    return loc.level;
  };

  for (const r of locations.rows) {
    const revenue = BigInt(r.revenue);
    for (const level of [all, tenantLevel(r.tenant_slug), locationLevel(r.tenant_slug, r.location_id, r.location_name)]) {
      level.total.add(revenue, r.orders);
      level.at(r.bucket).add(revenue, r.orders);
    }
  }
  for (const r of [...totalItems.rows, ...periodItems.rows]) {
    const item: ItemFigures = { tenantSlug: r.tenant_slug, itemId: r.item_id, itemName: r.item_name, quantity: BigInt(r.quantity), revenueVnd: BigInt(r.revenue) };
    const own = r.set_id <= 1 ? locationLevel(r.tenant_slug, r.location_id!) : tenantLevel(r.tenant_slug);
    const bucketed = r.set_id === 0 || r.set_id === 2;
    if (r.own_top) (bucketed ? own.at(r.bucket!) : own.total).items.push(item);
    if (r.all_top) (bucketed ? all.at(r.bucket!) : all.total).items.push(item);
  }

  const top = query.topItems;
  return {
    ...all.breakdown(top),
    tenants: [...tenants.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([tenantSlug, level]) => ({
        tenantSlug,
        ...level.breakdown(top),
        locations: [...locs.values()]
          .filter((l) => l.tenantSlug === tenantSlug)
          .sort((a, b) => a.locationName.localeCompare(b.locationName, "vi"))
          .map((l) => ({ tenantSlug, locationId: l.locationId, locationName: l.locationName, ...l.level.breakdown(top) })),
      })),
  };
}

/**
 * Rollups run at most two at a time per replica, each for at most 10 s: a rollup holds a pooled
 * connection for its whole run, and the same pool serves sign-in and token refresh for every
 * tenant. Many owners (or one owner's many requests) at once wait their turn instead of taking
 * every connection.
 */
const rollups = concurrencyLimit(2);
export const ROLLUP_STATEMENT_TIMEOUT_MS = 10_000;

/**
 * A year of a chain's item-days is ~60k rows: with the default 4 MB of work_mem Postgres sorts
 * them on disk to aggregate; with more it hashes them in memory (several times faster). Set for
 * this transaction only, with the rollup's time limit.
 */
function withWorkMem<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return rollups.run(async () => {
    try {
      return await inTransaction(pool, work, `begin read only; set local work_mem = '64MB'; set local statement_timeout = ${ROLLUP_STATEMENT_TIMEOUT_MS}`);
    } catch (error) {
      // query_canceled: the time limit above.
      if ((error as { code?: string }).code === "57014") throw new ControlPlaneError("QUERY_TIMEOUT", "this rollup took too long; ask for a shorter range, a coarser grain or periodTopItems: false", {}, { cause: error });
      throw error;
    }
  });
}
