-- Subscriptions, invoices, payments and dunning.

-- A subscription is its history of plan choices: each row says "from this local day on, this
-- plan". Proration falls out of splitting a month at these days.
CREATE TABLE billing.subscription_changes (
  tenant_slug  text NOT NULL,
  effective_on date NOT NULL,
  plan         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_slug, effective_on)
);

CREATE TABLE billing.invoices (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number       text NOT NULL UNIQUE,
  tenant_slug  text NOT NULL,
  period       text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  status       text NOT NULL CHECK (status IN ('draft', 'issued', 'paid', 'void')),
  subtotal_vnd bigint NOT NULL,
  vat_rate_bp  integer NOT NULL,
  vat_vnd      bigint NOT NULL,
  total_vnd    bigint NOT NULL,
  lines        jsonb NOT NULL,
  -- sha256 of the inputs and lines: equal hashes mean the same invoice.
  content_hash text NOT NULL,
  issued_at    timestamptz,
  due_on       date,
  paid_vnd     bigint NOT NULL DEFAULT 0,
  paid_at      timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_slug, period)
);

-- A closed (issued, paid, void) invoice never changes its figures: enforced here, not only in code.
CREATE FUNCTION billing.invoices_freeze_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'draft' AND (NEW.lines IS DISTINCT FROM OLD.lines OR NEW.subtotal_vnd <> OLD.subtotal_vnd
      OR NEW.vat_vnd <> OLD.vat_vnd OR NEW.total_vnd <> OLD.total_vnd OR NEW.content_hash <> OLD.content_hash
      OR NEW.number <> OLD.number OR NEW.period <> OLD.period OR NEW.tenant_slug <> OLD.tenant_slug) THEN
    RAISE EXCEPTION 'invoice % is % and can no longer change', OLD.number, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status <> 'draft' AND NEW.status = 'draft' THEN
    RAISE EXCEPTION 'invoice % is % and cannot return to draft', OLD.number, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_freeze_closed BEFORE UPDATE ON billing.invoices
  FOR EACH ROW EXECUTE FUNCTION billing.invoices_freeze_closed();
CREATE FUNCTION billing.invoices_no_delete_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'draft' THEN
    RAISE EXCEPTION 'invoice % is % and cannot be deleted', OLD.number, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER invoices_no_delete_closed BEFORE DELETE ON billing.invoices
  FOR EACH ROW EXECUTE FUNCTION billing.invoices_no_delete_closed();

CREATE TABLE billing.payments (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  invoice_id   uuid NOT NULL REFERENCES billing.invoices (id),
  amount_vnd   bigint NOT NULL CHECK (amount_vnd > 0),
  provider     text NOT NULL,
  -- The provider's transaction id: a webhook delivered twice records one payment.
  provider_ref text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, provider_ref)
);

CREATE TABLE billing.dunning (
  tenant_slug text PRIMARY KEY,
  state       text NOT NULL CHECK (state IN ('current', 'past_due', 'suspended')),
  since       timestamptz NOT NULL DEFAULT now(),
  reason      text NOT NULL DEFAULT ''
);
