-- Bulk sales import (cell/import) into a tenant whose orders the planner has no statistics for yet
-- makes the order_lines aggregate trigger join every line against every order of the tenant (the
-- row-level security filter is estimated at a handful of rows, so a materialised scan wins over
-- the primary key). The importer refreshes the statistics as it grows the tables; the API role
-- does not own the tables, so it does so through this function (see docs/adr/0603-*.md).
create function refresh_sales_statistics() returns void
  language plpgsql
  security definer
  set search_path from current
  as $$
begin
  analyze orders;
  analyze order_lines;
end $$;
