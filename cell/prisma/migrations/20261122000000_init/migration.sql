-- The cell's whole data model, applied inside the cell's own schema (search_path is set to it by
-- applyCellMigrations; nothing here names a schema). Every row carries tenant_id and row-level
-- security keys every table on the transaction-local setting app.tenant_id.

-- Tenant of the current transaction; NULL (so no row matches) when the API has not set one.
create function current_tenant_id() returns uuid
  language sql stable
  as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

create table tenants (
  id            uuid primary key default gen_random_uuid(),
  slug          text not null unique check (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  display_name  text not null,
  plan          text not null,
  status        text not null default 'active' check (status in ('active', 'archived')),
  created_at    timestamptz not null default now(),
  archived_at   timestamptz
);

create table locations (
  id          uuid primary key default gen_random_uuid(),
  tenant_id   uuid not null references tenants (id) on delete cascade,
  name        text not null,
  timezone    text not null default 'Asia/Ho_Chi_Minh',
  created_at  timestamptz not null default now(),
  unique (tenant_id, name),
  unique (tenant_id, id)
);

create table staff_members (
  id             uuid primary key default gen_random_uuid(),
  tenant_id      uuid not null references tenants (id) on delete cascade,
  phone          text not null,
  name           text not null,
  role           text not null check (role in ('owner', 'manager', 'staff')),
  all_locations  boolean not null default false,
  location_ids   uuid[] not null default '{}',
  created_at     timestamptz not null default now(),
  unique (tenant_id, phone),
  unique (tenant_id, id)
);

create table menu_categories (
  id          uuid primary key default gen_random_uuid(),
  tenant_id   uuid not null references tenants (id) on delete cascade,
  name        text not null,
  position    integer not null default 0,
  created_at  timestamptz not null default now(),
  unique (tenant_id, name),
  unique (tenant_id, id)
);

-- Composite foreign keys (tenant_id, x_id) make a reference to another tenant's row impossible:
-- foreign-key checks bypass row-level security, so tenant_id must be part of the key itself.
create table menu_items (
  id           uuid primary key default gen_random_uuid(),
  tenant_id    uuid not null references tenants (id) on delete cascade,
  category_id  uuid not null,
  name         text not null,
  price_vnd    integer not null check (price_vnd >= 0),
  available    boolean not null default true,
  archived_at  timestamptz,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, category_id) references menu_categories (tenant_id, id) on delete restrict
);
create index menu_items_category on menu_items (tenant_id, category_id);

create table orders (
  id               uuid primary key default gen_random_uuid(),
  tenant_id        uuid not null references tenants (id) on delete cascade,
  location_id      uuid not null,
  idempotency_key  text not null,
  request_hash     text not null,
  channel          text not null check (channel in ('dine_in', 'takeaway', 'delivery')),
  payment_method   text not null check (payment_method in ('cash', 'card', 'momo', 'zalopay', 'vnpay', 'bank_transfer')),
  total_vnd        bigint not null check (total_vnd >= 0),
  ordered_at       timestamptz not null default now(),
  -- The location's local calendar day and hour at ordered_at, filled by a trigger.
  local_date       date not null,
  local_hour       smallint not null check (local_hour between 0 and 23),
  created_by       uuid,
  note             text,
  created_at       timestamptz not null default now(),
  unique (tenant_id, idempotency_key),
  unique (tenant_id, id),
  foreign key (tenant_id, location_id) references locations (tenant_id, id) on delete cascade
);
create index orders_by_location_time on orders (tenant_id, location_id, ordered_at desc, id desc);
create index orders_by_time on orders (tenant_id, ordered_at desc, id desc);

create table order_lines (
  id              uuid primary key default gen_random_uuid(),
  tenant_id       uuid not null,
  order_id        uuid not null,
  menu_item_id    uuid not null,
  item_name       text not null,
  quantity        integer not null check (quantity > 0),
  unit_price_vnd  integer not null check (unit_price_vnd >= 0),
  line_total_vnd  bigint not null check (line_total_vnd >= 0),
  foreign key (tenant_id, order_id) references orders (tenant_id, id) on delete cascade,
  foreign key (tenant_id, menu_item_id) references menu_items (tenant_id, id) on delete restrict
);
create index order_lines_by_order on order_lines (tenant_id, order_id);

create table payments (
  id            uuid primary key default gen_random_uuid(),
  tenant_id     uuid not null,
  order_id      uuid not null,
  method        text not null check (method in ('cash', 'card', 'momo', 'zalopay', 'vnpay', 'bank_transfer')),
  amount_vnd    bigint not null check (amount_vnd >= 0),
  status        text not null default 'succeeded' check (status in ('pending', 'succeeded', 'failed', 'refunded')),
  provider_ref  text,
  created_at    timestamptz not null default now(),
  foreign key (tenant_id, order_id) references orders (tenant_id, id) on delete cascade
);
create index payments_by_order on payments (tenant_id, order_id);

create table recommendations (
  id           uuid primary key default gen_random_uuid(),
  tenant_id    uuid not null references tenants (id) on delete cascade,
  location_id  uuid,
  kind         text not null,
  title        text not null,
  body         text not null default '',
  payload      jsonb not null default '{}',
  status       text not null default 'pending' check (status in ('pending', 'approved', 'dismissed')),
  created_at   timestamptz not null default now(),
  decided_at   timestamptz,
  decided_by   text,
  foreign key (tenant_id, location_id) references locations (tenant_id, id) on delete cascade
);
create index recommendations_by_status on recommendations (tenant_id, status, created_at desc);

create table audit_log (
  id          bigint generated always as identity primary key,
  tenant_id   uuid not null references tenants (id) on delete cascade,
  actor       text not null,
  action      text not null,
  entity      text not null,
  entity_id   text,
  data        jsonb not null default '{}',
  created_at  timestamptz not null default now()
);
create index audit_log_by_tenant on audit_log (tenant_id, created_at desc);

-- Transactional outbox: events are written in the same transaction as the change they describe;
-- a relay publishes rows where published_at is null.
create table outbox (
  id            bigint generated always as identity primary key,
  tenant_id     uuid not null references tenants (id) on delete cascade,
  topic         text not null,
  key           text not null,
  payload       jsonb not null,
  created_at    timestamptz not null default now(),
  published_at  timestamptz
);
create index outbox_unpublished on outbox (id) where published_at is null;

-- Incrementally maintained dashboard aggregates, keyed by the location's local day.
create table location_hourly_sales (
  tenant_id    uuid not null,
  location_id  uuid not null,
  local_date   date not null,
  hour         smallint not null check (hour between 0 and 23),
  revenue_vnd  bigint not null default 0,
  orders       integer not null default 0,
  primary key (location_id, local_date, hour),
  foreign key (tenant_id, location_id) references locations (tenant_id, id) on delete cascade
);

create table location_item_daily_sales (
  tenant_id     uuid not null,
  location_id   uuid not null,
  local_date    date not null,
  menu_item_id  uuid not null,
  quantity      bigint not null default 0,
  revenue_vnd   bigint not null default 0,
  primary key (location_id, local_date, menu_item_id),
  foreign key (tenant_id, location_id) references locations (tenant_id, id) on delete cascade,
  foreign key (tenant_id, menu_item_id) references menu_items (tenant_id, id) on delete cascade
);

-- Stamp each order with its location's local day and hour (the location's timezone decides
-- what "today" means for its dashboards).
create function orders_stamp_local_time() returns trigger
  language plpgsql
  set search_path from current
  as $$
declare
  tz text;
begin
  select l.timezone into tz from locations l where l.id = new.location_id and l.tenant_id = new.tenant_id;
  if tz is null then
    raise exception 'location % not found for tenant %', new.location_id, new.tenant_id using errcode = 'foreign_key_violation';
  end if;
  new.local_date := (new.ordered_at at time zone tz)::date;
  new.local_hour := extract(hour from (new.ordered_at at time zone tz))::smallint;
  return new;
end $$;
create trigger orders_stamp_local_time before insert on orders
  for each row execute function orders_stamp_local_time();

-- One upsert per statement (not per row) keeps the write path to a single extra statement.
create function orders_add_to_aggregates() returns trigger
  language plpgsql
  set search_path from current
  as $$
begin
  insert into location_hourly_sales as s (tenant_id, location_id, local_date, hour, revenue_vnd, orders)
    select tenant_id, location_id, local_date, local_hour, sum(total_vnd), count(*)
      from new_orders group by tenant_id, location_id, local_date, local_hour
  on conflict (location_id, local_date, hour) do update
    set revenue_vnd = s.revenue_vnd + excluded.revenue_vnd, orders = s.orders + excluded.orders;
  return null;
end $$;
create trigger orders_add_to_aggregates after insert on orders
  referencing new table as new_orders
  for each statement execute function orders_add_to_aggregates();

create function order_lines_add_to_aggregates() returns trigger
  language plpgsql
  set search_path from current
  as $$
begin
  insert into location_item_daily_sales as s (tenant_id, location_id, local_date, menu_item_id, quantity, revenue_vnd)
    select o.tenant_id, o.location_id, o.local_date, l.menu_item_id, sum(l.quantity), sum(l.line_total_vnd)
      from new_lines l join orders o on o.id = l.order_id and o.tenant_id = l.tenant_id
      group by o.tenant_id, o.location_id, o.local_date, l.menu_item_id
  on conflict (location_id, local_date, menu_item_id) do update
    set quantity = s.quantity + excluded.quantity, revenue_vnd = s.revenue_vnd + excluded.revenue_vnd;
  return null;
end $$;
create trigger order_lines_add_to_aggregates after insert on order_lines
  referencing new table as new_lines
  for each statement execute function order_lines_add_to_aggregates();

-- The API resolves the router's tenant slug before any tenant is set, so this one lookup runs
-- with the owner's rights; it reveals nothing but the id and status of the slug asked for.
create function tenant_by_slug(p_slug text) returns table (id uuid, status text)
  language sql stable security definer
  set search_path from current
  as $$ select t.id, t.status from tenants t where t.slug = p_slug $$;

-- Row-level security on every table; FORCE so even the owner is subject to it (superusers,
-- i.e. the platform's provisioning role, are not).
do $$
declare
  t text;
begin
  foreach t in array array['locations', 'staff_members', 'menu_categories', 'menu_items', 'orders', 'order_lines',
                            'payments', 'recommendations', 'audit_log', 'outbox', 'location_hourly_sales',
                            'location_item_daily_sales']
  loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id())', t);
  end loop;
end $$;
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants using (id = current_tenant_id()) with check (id = current_tenant_id());
