-- Sales entry in one round trip (docs/adr/0302-*.md): the API's createOrder was four round trips
-- (begin + tenant, menu prices, insert, commit); on a busy 2-core machine each socket write to
-- Postgres cost more CPU than the rest of the request. This function does the same work inside one
-- statement (so one implicit transaction). It runs with the caller's rights: row-level security
-- applies to everything it reads and writes, keyed on the tenant it sets first.
--
-- p_order: {locationId, idempotencyKey, requestHash, channel, paymentMethod, orderedAt|null,
--           note|null, actor, createdBy|null (staff id), lines: [{menuItemId, quantity}]}
-- Returns {orderId, totalVnd, orderedAt, locationId, replayed} or {error, field, message}.
create function create_order(p_tenant uuid, p_order jsonb) returns jsonb
  language plpgsql
  set search_path from current
  as $$
declare
  v_items uuid[];
  v_qtys int[];
  v_names text[];
  v_prices int[];
  v_total bigint;
  v_bad record;
  v_id uuid;
  v_at timestamptz;
  v_existing record;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  -- One row per item (repeated items merged), in the order they first appear, with menu data.
  select array_agg(x.item order by x.first), array_agg(x.qty order by x.first)
    into v_items, v_qtys
    from (select (l->>'menuItemId')::uuid as item, sum((l->>'quantity')::int)::int as qty, min(ord) as first
            from jsonb_array_elements(p_order->'lines') with ordinality as t(l, ord)
           group by 1) x;

  select u.ord, u.id, m.name, m.available, m.archived_at into v_bad
    from unnest(v_items) with ordinality as u(id, ord)
    left join menu_items m on m.id = u.id
   where m.id is null or not m.available or m.archived_at is not null
   order by u.ord limit 1;
  if found then
    return jsonb_build_object('error', case when v_bad.name is null then 'missing' else 'unavailable' end,
                              'menuItemId', v_bad.id, 'name', v_bad.name);
  end if;

  select array_agg(m.name order by u.ord), array_agg(m.price_vnd order by u.ord),
         sum(m.price_vnd::bigint * v_qtys[u.ord])
    into v_names, v_prices, v_total
    from unnest(v_items) with ordinality as u(id, ord) join menu_items m on m.id = u.id;

  insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at, note, created_by)
  values (p_tenant, (p_order->>'locationId')::uuid, p_order->>'idempotencyKey', p_order->>'requestHash', p_order->>'channel',
          p_order->>'paymentMethod', v_total, coalesce((p_order->>'orderedAt')::timestamptz, now()), p_order->>'note',
          (p_order->>'createdBy')::uuid)
  on conflict (tenant_id, idempotency_key) do nothing
  returning id, ordered_at into v_id, v_at;

  if v_id is null then
    select id, request_hash, total_vnd, ordered_at, location_id into v_existing
      from orders where idempotency_key = p_order->>'idempotencyKey';
    if v_existing.request_hash <> p_order->>'requestHash' then
      return jsonb_build_object('error', 'key_reused');
    end if;
    return jsonb_build_object('orderId', v_existing.id, 'totalVnd', v_existing.total_vnd, 'orderedAt', v_existing.ordered_at,
                              'locationId', v_existing.location_id, 'replayed', true);
  end if;

  insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
  select p_tenant, v_id, x.item, x.name, x.qty, x.price, x.qty::bigint * x.price
    from unnest(v_items, v_names, v_qtys, v_prices) as x(item, name, qty, price);
  insert into payments (tenant_id, order_id, method, amount_vnd) values (p_tenant, v_id, p_order->>'paymentMethod', v_total);
  insert into outbox (tenant_id, topic, key, payload)
  values (p_tenant, 'order.created', v_id::text,
          jsonb_build_object('orderId', v_id, 'locationId', p_order->>'locationId', 'totalVnd', v_total, 'orderedAt', v_at,
                             'channel', p_order->>'channel', 'paymentMethod', p_order->>'paymentMethod'));
  insert into audit_log (tenant_id, actor, action, entity, entity_id, data)
  values (p_tenant, p_order->>'actor', 'order.created', 'order', v_id::text, jsonb_build_object('idempotencyKey', p_order->>'idempotencyKey'));

  return jsonb_build_object('orderId', v_id, 'totalVnd', v_total, 'orderedAt', v_at, 'locationId', p_order->>'locationId', 'replayed', false);
end $$;
