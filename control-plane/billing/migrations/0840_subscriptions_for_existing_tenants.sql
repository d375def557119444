-- Until now nothing started a subscription: signup and the adoption of kubectl-applied Tenants
-- recorded the plan on the tenant only, and invoicing reads billing.subscription_changes, so those
-- tenants were never invoiced. Both now start one (billing/subscriptions.ts followTenantPlan).
-- Tenants that already exist start on their recorded plan from the day they were created, but no
-- earlier than the first day of the current month (Vietnamese time): months that were never
-- invoiced are not billed after the fact; platform staff can date a start earlier with
-- `npm run billing -- plan`. Databases without the control plane's tables (billing alone) skip it.
DO $$
BEGIN
  IF to_regclass('control_plane.tenants') IS NOT NULL THEN
    INSERT INTO billing.subscription_changes (tenant_slug, effective_on, plan)
    SELECT t.slug,
           greatest((t.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, date_trunc('month', now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date),
           t.plan
      FROM control_plane.tenants t
     WHERE NOT EXISTS (SELECT 1 FROM billing.subscription_changes s WHERE s.tenant_slug = t.slug)
    ON CONFLICT (tenant_slug, effective_on) DO NOTHING;
  END IF;
END $$;
