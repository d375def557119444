// Tenants whose feed nobody reads any more because the tenant is gone. Deleting a Tenant cancels
// its subscription from the next day (billing/subscriptions.ts endSubscription, from the adoption
// loop) and nothing else tells usage about it: its cursor is simply never read again, so counted
// as lag it would grow forever and keep its cell alerting and "unhealthy".
import { BILLING_UTC_OFFSET_HOURS } from "../billing/period.js";
import { CANCELLED } from "../billing/segments.js";

/**
 * SQL condition: the tenant named by `slugColumn` has ended — its latest plan choice (the one in
 * force last) is a cancellation already in effect on today's Vietnamese date. A cancellation
 * dated ahead has not ended it yet (its cell still serves it today), and a plan chosen after a
 * cancellation (platform staff resuming a tenant) brings it back.
 */
export function subscriptionEnded(slugColumn: string): string {
  return `coalesce((select s.plan = '${CANCELLED}' and s.effective_on <= (now() at time zone 'UTC' + make_interval(hours => ${BILLING_UTC_OFFSET_HOURS}))::date
                      from billing.subscription_changes s where s.tenant_slug = ${slugColumn}
                     order by s.effective_on desc limit 1), false)`;
}
