// One year of a restaurant chain's history in a cell schema, written the way the cell writes it
// (through the aggregate triggers), in month-sized statements so it loads in a minute or two.
import type pg from "pg";

export interface HistoryShape {
  days: number;
  ordersPerLocationDay: number;
}

export async function seedHistory(admin: pg.ClientBase, schema: string, tenantId: string, locationIds: string[], menuItemIds: string[], shape: HistoryShape): Promise<number> {
  const s = admin.escapeIdentifier(schema);
  const start = Date.now() - shape.days * 86_400_000;
  let orders = 0;
  for (let d0 = 0; d0 < shape.days; d0 += 30) {
    const d1 = Math.min(shape.days - 1, d0 + 29);
    const from = new Date(start + d0 * 86_400_000).toISOString();
    const to = new Date(start + (d1 + 1) * 86_400_000).toISOString();
    const inserted = await admin.query(
      `insert into ${s}.orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at)
       select $1, l.id, 'hist-' || l.n || '-' || d || '-' || i, md5(l.n || '-' || d || '-' || i), 'dine_in', 'cash',
              75000 + (i % 5) * 40000, $2::timestamptz + make_interval(days => d) + make_interval(mins => 420 + (i * 840 / $5))
         from unnest($3::uuid[]) with ordinality l(id, n), generate_series($4::int, $6::int) d, generate_series(1, $5::int) i`,
      [tenantId, new Date(start).toISOString(), locationIds, d0, shape.ordersPerLocationDay, d1],
    );
    orders += inserted.rowCount ?? 0;
    // Two lines per order: item A x (1..5) at 40,000 and item B x 1 at 75,000 make up the total.
    await admin.query(
      `insert into ${s}.order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
       select o.tenant_id, o.id, ($2::uuid[])[1 + (x.k % array_length($2::uuid[], 1))], 'Item', x.q, x.p, x.q * x.p
         from ${s}.orders o
         cross join lateral (values (abs(hashtext(o.idempotency_key)), (o.total_vnd - 75000) / 40000, 40000), (abs(hashtext(o.idempotency_key)) + 1, 1, 75000)) x(k, q, p)
        where o.tenant_id = $1 and o.ordered_at >= $3 and o.ordered_at < $4 and x.q > 0`,
      [tenantId, menuItemIds, from, to],
    );
    await admin.query(
      `insert into ${s}.payments (tenant_id, order_id, method, amount_vnd, status, created_at)
       select o.tenant_id, o.id, 'cash', o.total_vnd, 'succeeded', o.ordered_at from ${s}.orders o
        where o.tenant_id = $1 and o.ordered_at >= $2 and o.ordered_at < $3`,
      [tenantId, from, to],
    );
    await admin.query(
      `insert into ${s}.audit_log (tenant_id, actor, action, entity, entity_id, created_at)
       select $1, 'history', 'day.closed', 'location', l.id::text, $2::timestamptz + make_interval(days => d)
         from unnest($3::uuid[]) l(id), generate_series($4::int, $5::int) d`,
      [tenantId, new Date(start).toISOString(), locationIds, d0, d1],
    );
    await admin.query(
      `insert into ${s}.outbox (tenant_id, topic, key, payload, created_at, published_at)
       select $1, 'day.closed', l.id::text, jsonb_build_object('day', d), $2::timestamptz + make_interval(days => d), now()
         from unnest($3::uuid[]) l(id), generate_series($4::int, $5::int) d`,
      [tenantId, new Date(start).toISOString(), locationIds, d0, d1],
    );
  }
  await admin.query(`analyze ${s}.orders; analyze ${s}.order_lines; analyze ${s}.payments`);
  return orders;
}
