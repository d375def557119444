// Sales entry: one order with its lines and payment, written in one statement so the hot path is
// a handful of round trips. Prices come from the menu (never from the client); the client's
// idempotency key makes retries safe: the same key and the same order return the first result,
// the same key with a different order is refused.
import { createHash } from "node:crypto";
import type pg from "pg";

export const CHANNELS = ["dine_in", "takeaway", "delivery"] as const;
export const PAYMENT_METHODS = ["cash", "card", "momo", "zalopay", "vnpay", "bank_transfer"] as const;

export interface OrderRequest {
  locationId: string;
  idempotencyKey: string;
  channel: (typeof CHANNELS)[number];
  paymentMethod: (typeof PAYMENT_METHODS)[number];
  lines: { menuItemId: string; quantity: number }[];
  /** When the sale happened; defaults to now (entering a past sale is allowed). */
  orderedAt?: Date;
  note?: string;
}

export interface CreatedOrder {
  orderId: string;
  totalVnd: number;
  orderedAt: Date;
  locationId: string;
  /** True when this key had already been used for the same order, which is returned instead. */
  replayed: boolean;
}

export class OrderInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code = "BAD_USER_INPUT",
  ) {
    super(message);
    this.name = "OrderInputError";
  }
}

const ITEMS = "select id, name, price_vnd, available, archived_at from menu_items where id = any($1::uuid[])";

const INSERT = `
  with o as (
    insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at, created_by, note)
    values ($1, $2, $3, $4, $5, $6, $7, coalesce($8, now()), $9, $10)
    on conflict (tenant_id, idempotency_key) do nothing
    returning id, ordered_at
  ), l as (
    insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
    select $1, o.id, x.item, x.name, x.qty, x.price, x.qty::bigint * x.price
      from o, unnest($11::uuid[], $12::text[], $13::int[], $14::int[]) as x(item, name, qty, price)
  ), p as (
    insert into payments (tenant_id, order_id, method, amount_vnd) select $1, o.id, $6, $7 from o
  ), e as (
    insert into outbox (tenant_id, topic, key, payload)
    select $1, 'order.created', o.id::text,
           jsonb_build_object('orderId', o.id, 'locationId', $2::uuid, 'totalVnd', $7::bigint, 'orderedAt', o.ordered_at, 'channel', $5::text, 'paymentMethod', $6::text)
      from o
  ), a as (
    insert into audit_log (tenant_id, actor, action, entity, entity_id, data)
    select $1, $15, 'order.created', 'order', o.id::text, jsonb_build_object('idempotencyKey', $3::text) from o
  )
  select id, ordered_at from o`;

const EXISTING =
  "select id, request_hash, total_vnd::text as total, ordered_at, location_id from orders where idempotency_key = $1";

export function requestHash(request: OrderRequest): string {
  const canonical = JSON.stringify([
    request.locationId,
    request.channel,
    request.paymentMethod,
    request.orderedAt?.toISOString() ?? null,
    request.note ?? null,
    [...request.lines]
      .sort((a, b) => a.menuItemId.localeCompare(b.menuItemId) || a.quantity - b.quantity)
      .map((l) => [l.menuItemId, l.quantity]),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** Runs inside the caller's tenant transaction (RLS applies to every statement). */
export async function createOrder(
  client: pg.ClientBase,
  tenantId: string,
  actor: { staffId?: string; userId: string },
  request: OrderRequest,
): Promise<CreatedOrder> {
  const hash = requestHash(request);
  // Merge repeated items so the line list and the aggregates agree on one row per item.
  const quantities = new Map<string, number>();
  for (const line of request.lines)
    quantities.set(line.menuItemId, (quantities.get(line.menuItemId) ?? 0) + line.quantity);
  const ids = [...quantities.keys()];

  const { rows: items } = await client.query<{
    id: string;
    name: string;
    price_vnd: number;
    available: boolean;
    archived_at: Date | null;
  }>({ name: "cell_order_items", text: ITEMS, values: [ids] });
  const byId = new Map(items.map((i) => [i.id, i]));
  const names: string[] = [];
  const qtys: number[] = [];
  const prices: number[] = [];
  let total = 0;
  for (const [index, id] of ids.entries()) {
    const item = byId.get(id);
    const field = `lines[${request.lines.findIndex((l) => l.menuItemId === id)}].menuItemId`;
    if (!item) throw new OrderInputError(field, `menu item ${id} does not exist`);
    if (!item.available || item.archived_at)
      throw new OrderInputError(field, `menu item '${item.name}' is not available`);
    names.push(item.name);
    qtys.push(quantities.get(id)!);
    prices.push(item.price_vnd);
    total += item.price_vnd * qtys[index]!;
  }

  const inserted = await client.query<{ id: string; ordered_at: Date }>({
    name: "cell_order_insert",
    text: INSERT,
    values: [
      tenantId,
      request.locationId,
      request.idempotencyKey,
      hash,
      request.channel,
      request.paymentMethod,
      total,
      request.orderedAt ?? null,
      actor.staffId ?? null,
      request.note ?? null,
      ids,
      names,
      qtys,
      prices,
      actor.userId,
    ],
  });
  const row = inserted.rows[0];
  if (row)
    return {
      orderId: row.id,
      totalVnd: total,
      orderedAt: row.ordered_at,
      locationId: request.locationId,
      replayed: false,
    };

  const existing = (
    await client.query<{
      id: string;
      request_hash: string;
      total: string;
      ordered_at: Date;
      location_id: string;
    }>({ name: "cell_order_existing", text: EXISTING, values: [request.idempotencyKey] })
  ).rows[0];
  if (!existing)
    throw new Error("order insert conflicted on its idempotency key but no order with that key is visible");
  if (existing.request_hash !== hash) {
    throw new OrderInputError(
      "idempotencyKey",
      "this idempotency key was already used for a different order",
      "IDEMPOTENCY_KEY_REUSED",
    );
  }
  return {
    orderId: existing.id,
    totalVnd: Number(existing.total),
    orderedAt: existing.ordered_at,
    locationId: existing.location_id,
    replayed: true,
  };
}
