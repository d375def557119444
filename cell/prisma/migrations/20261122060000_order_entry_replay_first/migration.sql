-- A retry is answered before anything is validated (docs/adr/0303-*.md). create_order used to check
-- the menu items first: a sale that committed but whose answer was lost got "menu item 'Trà đá' is
-- not available" on its retry once the item was marked sold out in between, the till kept the key,
-- and the cashier could only record the sale again under a new key. Now the idempotency key is
-- looked up first: a key that already recorded a sale returns that sale (replayed) or key_reused,
-- whatever changed since; only a new key is validated and recorded.
--
-- p_order also takes replayOnly (boolean, default false): the API sets it for a request it would
-- refuse (a location no longer the caller's, staff dating a sale more than 48 hours back). Such a
-- request is still answered with the sale its key recorded; a new key writes nothing and returns
-- {error: 'not_recorded'}, and the API reports its refusal.
--
-- Otherwise as migration 20261122040000_order_entry_aggregates_and_snapshot.
create or replace function create_order(p_tenant uuid, p_order jsonb) returns jsonb
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
  v_date date;
  v_hour smallint;
  v_paid_date date;
  v_existing record;
  v_location uuid := (p_order->>'locationId')::uuid;
  v_method text := p_order->>'paymentMethod';
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  -- A retry first: the sale its key recorded is the answer.
  select id, request_hash, total_vnd, ordered_at, location_id into v_existing
    from orders where tenant_id = p_tenant and idempotency_key = p_order->>'idempotencyKey';
  if not found then
    if coalesce((p_order->>'replayOnly')::boolean, false) then
      return jsonb_build_object('error', 'not_recorded');
    end if;

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

    -- The aggregate triggers skip this function's own inserts: it counts them itself, below.
    perform set_config('app.order_entry', 'on', true);
    insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at, note, created_by)
    values (p_tenant, v_location, p_order->>'idempotencyKey', p_order->>'requestHash', p_order->>'channel',
            v_method, v_total, coalesce((p_order->>'orderedAt')::timestamptz, now()), p_order->>'note',
            (p_order->>'createdBy')::uuid)
    on conflict (tenant_id, idempotency_key) do nothing
    returning id, ordered_at, local_date, local_hour into v_id, v_at, v_date, v_hour;

    if v_id is null then
      -- A concurrent first attempt won the key: its insert committed while this one waited.
      perform set_config('app.order_entry', '', true);
      select id, request_hash, total_vnd, ordered_at, location_id into v_existing
        from orders where tenant_id = p_tenant and idempotency_key = p_order->>'idempotencyKey';
    end if;
  end if;

  if v_id is null then
    if v_existing.request_hash <> p_order->>'requestHash' then
      return jsonb_build_object('error', 'key_reused');
    end if;
    return jsonb_build_object('orderId', v_existing.id, 'totalVnd', v_existing.total_vnd, 'orderedAt', v_existing.ordered_at,
                              'locationId', v_existing.location_id, 'replayed', true);
  end if;

  insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
  select p_tenant, v_id, x.item, x.name, x.qty, x.price, x.qty::bigint * x.price
    from unnest(v_items, v_names, v_qtys, v_prices) as x(item, name, qty, price);
  insert into payments (tenant_id, order_id, method, amount_vnd) values (p_tenant, v_id, v_method, v_total)
  -- The payment counts for the location's local day when it was received (as in the trigger).
  returning (created_at at time zone (select l.timezone from locations l where l.id = v_location))::date into v_paid_date;
  insert into outbox (tenant_id, topic, key, payload)
  values (p_tenant, 'order.created', v_id::text,
          jsonb_build_object('orderId', v_id, 'locationId', v_location, 'totalVnd', v_total, 'orderedAt', v_at,
                             'channel', p_order->>'channel', 'paymentMethod', v_method));
  insert into audit_log (tenant_id, actor, action, entity, entity_id, data)
  values (p_tenant, p_order->>'actor', 'order.created', 'order', v_id::text, jsonb_build_object('idempotencyKey', p_order->>'idempotencyKey'));
  perform set_config('app.order_entry', '', true);

  -- Aggregates last: these rows are shared by every sale at the location.
  insert into location_hourly_sales as s (tenant_id, location_id, local_date, hour, revenue_vnd, orders)
  values (p_tenant, v_location, v_date, v_hour, v_total, 1)
  on conflict (location_id, local_date, hour) do update
    set revenue_vnd = s.revenue_vnd + excluded.revenue_vnd, orders = s.orders + excluded.orders;
  insert into location_item_daily_sales as s (tenant_id, location_id, local_date, menu_item_id, quantity, revenue_vnd)
  select p_tenant, v_location, v_date, x.item, x.qty, x.qty::bigint * x.price
    from unnest(v_items, v_qtys, v_prices) as x(item, qty, price)
   order by x.item
  on conflict (location_id, local_date, menu_item_id) do update
    set quantity = s.quantity + excluded.quantity, revenue_vnd = s.revenue_vnd + excluded.revenue_vnd;
  insert into location_daily_payments as s (tenant_id, location_id, local_date, method, amount_vnd, payments)
  values (p_tenant, v_location, v_paid_date, v_method, v_total, 1)
  on conflict (location_id, local_date, method) do update
    set amount_vnd = s.amount_vnd + excluded.amount_vnd, payments = s.payments + excluded.payments;

  return jsonb_build_object('orderId', v_id, 'totalVnd', v_total, 'orderedAt', v_at, 'locationId', v_location, 'replayed', false,
                            'dashboard', dashboard_snapshot(p_tenant, v_location));
end $$;
