-- The outbox's epoch: a random id taken when this schema's outbox is created. Readers that keep a
-- cursor into the outbox (the control plane's usage pull, docs/adr/0801) compare it with the one
-- they stored: a cell rebuilt under a reused name starts its ids again from 1, so a bare id would
-- skip every row up to it. A function rather than a table because every table of a cell schema
-- is tenant data (row-level security, copied by tenant moves).
--
-- renew_outbox_epoch() gives the outbox a new epoch. Run it (as the schema's owner) after
-- restoring the schema from a backup: a restore keeps the epoch but rewinds the ids below what
-- readers have already consumed.
create function renew_outbox_epoch() returns uuid
  language plpgsql
  -- The schema this migration runs in, wherever the function is called from later.
  set search_path from current
as $$
declare
  epoch uuid := gen_random_uuid();
begin
  execute format('create or replace function outbox_epoch() returns uuid language sql stable parallel safe as %L',
                 format('select %L::uuid', epoch));
  return epoch;
end $$;
revoke execute on function renew_outbox_epoch() from public;

select renew_outbox_epoch();
