-- Sales entry, cheaper for Postgres (docs/adr/0440-*.md): measured per order on a 2-core machine,
-- the aggregate triggers and the separate snapshot read for the real-time push cost about as much
-- as writing the order itself.
--
-- 1. create_order maintains the three aggregates itself, as its last writes, with one known row
--    each (no transition tables, no joins back to orders and locations), and takes their row locks
--    last and in a fixed order (hour, items by id, payment method), so concurrent sales at one
--    location wait for each other only for the end of the function, and cannot deadlock. The
--    statement triggers stay for every other writer (import, seeding, moves replays); they skip
--    only while create_order has marked its own inserts (transaction-local app.order_entry = 'on',
--    cleared before it returns, so a caller's later statements in the same transaction are counted
--    by the triggers as before).
-- 2. create_order returns the location's dashboard snapshot (read after its writes, in the same
--    transaction, so it includes the sale): the push no longer needs a transaction of its own
--    (three round trips and a fresh plan).
--
-- The paths that need a snapshot on its own (a client subscribing, a payment webhook) call
-- dashboard_snapshot(tenant, location) in one statement: it sets the tenant first, exactly like
-- create_order, and runs with the caller's rights (row-level security applies).

-- {locationId, localDate: 'YYYY-MM-DD' (the location's day now), revenueVnd, orders,
--  paidVnd: {method: amount}} — or NULL when the location is not the tenant's.
--
-- Generic plans: with custom plans (plpgsql's default for these statements) planning the three
-- small lookups cost more than running them — about 0.3 ms of Postgres CPU per sale, measured.
create function dashboard_snapshot(p_tenant uuid, p_location uuid) returns jsonb
  language plpgsql
  set search_path from current
  set plan_cache_mode = force_generic_plan
  as $$
declare
  v_today date;
  v_revenue bigint;
  v_orders bigint;
  v_paid jsonb;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  select (now() at time zone l.timezone)::date into v_today from locations l where l.id = p_location;
  if not found then
    return null;
  end if;
  select coalesce(sum(h.revenue_vnd), 0), coalesce(sum(h.orders), 0) into v_revenue, v_orders
    from location_hourly_sales h where h.location_id = p_location and h.local_date = v_today;
  select coalesce(jsonb_object_agg(p.method, p.amount_vnd), '{}') into v_paid
    from location_daily_payments p where p.location_id = p_location and p.local_date = v_today;
  return jsonb_build_object('locationId', p_location, 'localDate', to_char(v_today, 'YYYY-MM-DD'), 'revenueVnd', v_revenue,
                            'orders', v_orders, 'paidVnd', v_paid);
end $$;

drop trigger orders_add_to_aggregates on orders;
create trigger orders_add_to_aggregates after insert on orders
  referencing new table as new_orders
  for each statement when (current_setting('app.order_entry', true) is distinct from 'on')
  execute function orders_add_to_aggregates();
drop trigger order_lines_add_to_aggregates on order_lines;
create trigger order_lines_add_to_aggregates after insert on order_lines
  referencing new table as new_lines
  for each statement when (current_setting('app.order_entry', true) is distinct from 'on')
  execute function order_lines_add_to_aggregates();
drop trigger payments_add_to_aggregates on payments;
create trigger payments_add_to_aggregates after insert on payments
  referencing new table as new_payments
  for each statement when (current_setting('app.order_entry', true) is distinct from 'on')
  execute function payments_add_to_aggregates();

-- As migration 20261122030000_order_entry_function, plus: the aggregates (1. above) and 'dashboard'
-- in the result of a new sale (2.). Two sales at one location in the same local hour take turns on
-- that hour's row, so the later one's snapshot includes the earlier one.
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
    perform set_config('app.order_entry', '', true);
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
