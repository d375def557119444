-- An issued invoice's VAT rate, due date and issue time are part of what was issued (the CSV and
-- PDF print the rate; the due date drives dunning), and its status only moves forward:
-- issued -> paid or void, paid -> void. Enforced here, even against direct SQL (ADR 0802).
CREATE OR REPLACE FUNCTION billing.invoices_freeze_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'draft' AND (NEW.lines IS DISTINCT FROM OLD.lines OR NEW.subtotal_vnd <> OLD.subtotal_vnd
      OR NEW.vat_vnd <> OLD.vat_vnd OR NEW.total_vnd <> OLD.total_vnd OR NEW.content_hash <> OLD.content_hash
      OR NEW.number <> OLD.number OR NEW.period <> OLD.period OR NEW.tenant_slug <> OLD.tenant_slug
      OR NEW.vat_rate_bp IS DISTINCT FROM OLD.vat_rate_bp OR NEW.due_on IS DISTINCT FROM OLD.due_on
      OR NEW.issued_at IS DISTINCT FROM OLD.issued_at) THEN
    RAISE EXCEPTION 'invoice % is % and can no longer change', OLD.number, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status <> 'draft' AND NEW.status = 'draft' THEN
    RAISE EXCEPTION 'invoice % is % and cannot return to draft', OLD.number, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.status <> OLD.status AND NOT (OLD.status = 'draft' OR (OLD.status = 'issued' AND NEW.status IN ('paid', 'void')) OR (OLD.status = 'paid' AND NEW.status = 'void')) THEN
    RAISE EXCEPTION 'invoice % cannot go from % to %', OLD.number, OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
