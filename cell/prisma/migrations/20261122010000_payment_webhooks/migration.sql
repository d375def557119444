-- Payment webhooks (docs/adr/0600-*.md): a provider transaction is recorded at most once, and
-- each location's paid amounts per local day are kept incrementally for its dashboard.

-- Exactly-once effect of provider callbacks: retries and duplicates of one provider transaction
-- hit this key and insert nothing. NULL provider_ref (cash, card) never conflicts.
create unique index payments_provider_ref on payments (tenant_id, method, provider_ref);

create table location_daily_payments (
  tenant_id     uuid not null,
  location_id   uuid not null,
  local_date    date not null,
  method        text not null,
  amount_vnd    bigint not null default 0,
  payments      integer not null default 0,
  primary key (location_id, local_date, method),
  foreign key (tenant_id, location_id) references locations (tenant_id, id) on delete cascade
);
alter table location_daily_payments enable row level security;
alter table location_daily_payments force row level security;
create policy tenant_isolation on location_daily_payments
  using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());

-- The day a payment counts for is the location's local day when it was received.
create function payments_add_to_aggregates() returns trigger
  language plpgsql
  set search_path from current
  as $$
begin
  insert into location_daily_payments as s (tenant_id, location_id, local_date, method, amount_vnd, payments)
    select p.tenant_id, o.location_id, (p.created_at at time zone l.timezone)::date, p.method, sum(p.amount_vnd), count(*)
      from new_payments p
      join orders o on o.id = p.order_id and o.tenant_id = p.tenant_id
      join locations l on l.id = o.location_id and l.tenant_id = o.tenant_id
     where p.status = 'succeeded'
     group by p.tenant_id, o.location_id, (p.created_at at time zone l.timezone)::date, p.method
  on conflict (location_id, local_date, method) do update
    set amount_vnd = s.amount_vnd + excluded.amount_vnd, payments = s.payments + excluded.payments;
  return null;
end $$;
create trigger payments_add_to_aggregates after insert on payments
  referencing new table as new_payments
  for each statement execute function payments_add_to_aggregates();
