-- Usage metering (issue 8): what cells report, stored once per event so billing can be re-run.
-- Schema "billing", applied by control-plane/billing/migrate.ts through the control plane's own
-- migration runner (docs/adr/0800).
CREATE SCHEMA IF NOT EXISTS billing;

-- One row per usage fact. event_id is stable across redeliveries ("<cell>/outbox/<id>" for an
-- order, "<cell>/gauge/<kind>/<local date>" for a daily gauge reading), so a duplicate is a no-op.
CREATE TABLE billing.usage_events (
  tenant_slug text NOT NULL,
  event_id    text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('order', 'active_locations', 'staff_seats')),
  quantity    bigint NOT NULL CHECK (quantity >= 0),
  amount_vnd  bigint NOT NULL DEFAULT 0 CHECK (amount_vnd >= 0),
  location_id text,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_slug, event_id)
);
CREATE INDEX usage_events_by_time ON billing.usage_events (tenant_slug, kind, occurred_at);

-- Outbox rows that were not usable as usage (kept, never dropped silently, so they can be fixed
-- and replayed).
CREATE TABLE billing.usage_rejects (
  tenant_slug text NOT NULL,
  event_id    text NOT NULL,
  topic       text NOT NULL,
  payload     jsonb NOT NULL,
  reason      text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_slug, event_id)
);

-- How far the control plane has read each tenant's outbox in each cell. Moved in the same
-- transaction as the events it covers: a crash between the two cannot lose or double-count.
CREATE TABLE billing.feed_cursors (
  cell                 text NOT NULL,
  tenant_slug          text NOT NULL,
  last_outbox_id       bigint NOT NULL DEFAULT 0,
  last_event_at        timestamptz,
  last_success_at      timestamptz,
  last_attempt_at      timestamptz,
  last_error           text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  PRIMARY KEY (cell, tenant_slug)
);
CREATE INDEX feed_cursors_tenant ON billing.feed_cursors (tenant_slug);
