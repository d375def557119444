-- Cross-location rollups: copies of the cells' daily aggregates, replaced day by day on each
-- sync, so owner queries never fan out to cells.
CREATE SCHEMA IF NOT EXISTS rollups;

CREATE TABLE rollups.location_daily (
  tenant_slug   text NOT NULL,
  location_id   text NOT NULL,
  local_date    date NOT NULL,
  location_name text NOT NULL,
  revenue_vnd   bigint NOT NULL,
  orders        integer NOT NULL,
  synced_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_slug, local_date, location_id)
);

CREATE TABLE rollups.item_daily (
  tenant_slug text NOT NULL,
  location_id text NOT NULL,
  local_date  date NOT NULL,
  item_id     text NOT NULL,
  item_name   text NOT NULL,
  quantity    bigint NOT NULL,
  revenue_vnd bigint NOT NULL,
  PRIMARY KEY (tenant_slug, local_date, location_id, item_id)
);

-- Which cell served each tenant at its last sync, for the platform-ops views.
CREATE TABLE rollups.tenant_cells (
  tenant_slug text PRIMARY KEY,
  cell        text NOT NULL,
  synced_at   timestamptz NOT NULL DEFAULT now()
);
