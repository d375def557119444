// Writes batches of imported orders the way sales entry does (orders, lines, a payment each) so
// the same triggers maintain the same dashboard aggregates. Idempotent: an order's key is its
// location and its id in the source POS, and an order already imported is skipped whole.
import { createHash } from "node:crypto";
import type pg from "pg";

export interface ImportedOrder {
  ref: string;
  localTime: string;
  lines: { item: string; quantity: number; unitPriceVnd: number }[];
}

export interface BatchTarget {
  tenantId: string;
  locationId: string;
  timezone: string;
  channel: string;
  paymentMethod: string;
}

export interface BatchResult {
  inserted: number;
  skipped: number;
  linesInserted: number;
  itemsCreated: number;
}

const IMPORT_CATEGORY = "Imported";

export function idempotencyKey(locationId: string, ref: string): string {
  return `import:${locationId}:${ref}`;
}

function totalOf(o: ImportedOrder): number {
  return o.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceVnd, 0);
}

function hashOf(o: ImportedOrder): string {
  return createHash("sha256").update(JSON.stringify([o.localTime, o.lines])).digest("hex");
}

/** Menu item ids by name, creating the missing ones (priced at their first imported price). */
export async function ensureMenuItems(client: pg.ClientBase, tenantId: string, wanted: Map<string, number>, known: Map<string, string>): Promise<number> {
  const missing = [...wanted.keys()].filter((n) => !known.has(n));
  if (missing.length === 0) return 0;
  const found = await client.query<{ id: string; name: string }>(
    // tenant_id too: as the platform admin, row-level security does not narrow this to the tenant.
    "select distinct on (name) id, name from menu_items where tenant_id = $2 and name = any($1) and archived_at is null order by name, created_at",
    [missing, tenantId],
  );
  for (const r of found.rows) known.set(r.name, r.id);
  const create = missing.filter((n) => !known.has(n));
  if (create.length === 0) return 0;
  const category = await client.query<{ id: string }>(
    `insert into menu_categories (tenant_id, name, position) values ($1, $2, 1000)
     on conflict (tenant_id, name) do update set name = excluded.name returning id`,
    [tenantId, IMPORT_CATEGORY],
  );
  const created = await client.query<{ id: string; name: string }>(
    `insert into menu_items (tenant_id, category_id, name, price_vnd)
     select $1, $2, n, p from unnest($3::text[], $4::int[]) as x(n, p) returning id, name`,
    [tenantId, category.rows[0]!.id, create, create.map((n) => wanted.get(n)!)],
  );
  for (const r of created.rows) known.set(r.name, r.id);
  return created.rowCount ?? 0;
}

export async function writeBatch(client: pg.ClientBase, target: BatchTarget, orders: ImportedOrder[], items: Map<string, string>): Promise<BatchResult> {
  const wanted = new Map<string, number>();
  for (const o of orders) for (const l of o.lines) if (!wanted.has(l.item)) wanted.set(l.item, l.unitPriceVnd);
  const itemsCreated = await ensureMenuItems(client, target.tenantId, wanted, items);

  const keys = orders.map((o) => idempotencyKey(target.locationId, o.ref));
  const inserted = await client.query<{ id: string; k: string; total: string }>(
    `insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at)
     select $1, $2, x.k, x.h, $3, $4, x.t, x.ts::timestamp at time zone $5
       from unnest($6::text[], $7::text[], $8::bigint[], $9::text[]) as x(k, h, t, ts)
     on conflict (tenant_id, idempotency_key) do nothing
     returning id, idempotency_key as k, total_vnd::text as total`,
    [target.tenantId, target.locationId, target.channel, target.paymentMethod, target.timezone, keys, orders.map(hashOf), orders.map(totalOf), orders.map((o) => o.localTime)],
  );
  const fresh = new Set(inserted.rows.map((r) => r.k));
  const lk: string[] = [];
  const li: string[] = [];
  const ln: string[] = [];
  const lq: number[] = [];
  const lp: number[] = [];
  orders.forEach((o, i) => {
    if (!fresh.has(keys[i]!)) return;
    for (const l of o.lines) {
      lk.push(keys[i]!);
      li.push(items.get(l.item)!);
      ln.push(l.item);
      lq.push(l.quantity);
      lp.push(l.unitPriceVnd);
    }
  });
  if (inserted.rowCount) {
    await client.query(
      `insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
       select $1, o.id, x.item, x.name, x.qty, x.price, x.qty::bigint * x.price
         from unnest($2::text[], $3::uuid[], $4::text[], $5::int[], $6::int[]) as x(k, item, name, qty, price)
         join unnest($7::text[], $8::uuid[]) as o(k, id) on o.k = x.k`,
      [target.tenantId, lk, li, ln, lq, lp, inserted.rows.map((r) => r.k), inserted.rows.map((r) => r.id)],
    );
    await client.query(
      `insert into payments (tenant_id, order_id, method, amount_vnd)
       select $1, o.id, $2, o.total from unnest($3::uuid[], $4::bigint[]) as o(id, total)`,
      [target.tenantId, target.paymentMethod, inserted.rows.map((r) => r.id), inserted.rows.map((r) => r.total)],
    );
  }
  return { inserted: inserted.rowCount ?? 0, skipped: orders.length - (inserted.rowCount ?? 0), linesInserted: lk.length, itemsCreated };
}

/** Dry run: how many of these orders a real run would skip as already imported. */
export async function countExisting(client: pg.ClientBase, locationId: string, orders: ImportedOrder[]): Promise<number> {
  const { rows } = await client.query<{ n: string }>("select count(*) as n from orders where location_id = $2 and idempotency_key = any($1)", [orders.map((o) => idempotencyKey(locationId, o.ref)), locationId]);
  return Number(rows[0]!.n);
}
