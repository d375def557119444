// Applies a verified provider notification to the order it names, exactly once: the order row is
// locked so concurrent deliveries of one transaction serialize, and the unique key
// (tenant_id, method, provider_ref) makes a second insert of the same transaction a no-op.
// Every refusal happens before any write, inside a transaction that is rolled back.
import type { Database } from "../db/index.js";
import type { PaymentNotification } from "./providers/notification.js";
import { refused, type WebhookOutcome } from "./providers/outcome.js";

export interface RecordedPayment {
  tenantId: string;
  locationId: string;
  orderId: string;
  paymentId: string;
  method: string;
  amountVnd: bigint;
  providerRef: string;
  receivedAt: Date;
}

export interface RecordResult {
  outcome: WebhookOutcome;
  /** Set when this call wrote the payment (outcome "applied"). */
  payment?: RecordedPayment;
}

export async function recordPayment(
  db: Database,
  tenantId: string,
  n: PaymentNotification,
  allowedLocations: readonly string[] | undefined,
): Promise<RecordResult> {
  if (!n.orderId) return { outcome: refused("unknown-order", "the order reference names no order of this cell") };
  const orderId = n.orderId;
  return db.sql(tenantId, async (client) => {
    const order = await client.query<{ location_id: string; total_vnd: string }>(
      "select location_id, total_vnd from orders where id = $1 for update",
      [orderId],
    );
    const row = order.rows[0];
    if (!row) return { outcome: refused("unknown-order", `order ${orderId} not found`) };
    if (allowedLocations && !allowedLocations.includes(row.location_id)) {
      return { outcome: refused("unknown-order", `order ${orderId} is not at a location of this merchant account`) };
    }
    const seen = await client.query("select 1 from payments where method = $1 and provider_ref = $2", [n.provider, n.providerRef]);
    if (seen.rowCount) return { outcome: { kind: "duplicate" } };
    if (BigInt(row.total_vnd) !== n.amountVnd) {
      return { outcome: refused("wrong-amount", `amount ${n.amountVnd} VND does not match the order total ${row.total_vnd} VND`) };
    }
    if (!n.succeeded) return { outcome: { kind: "not-succeeded" } };
    const paid = await client.query("select 1 from payments where order_id = $1 and status = 'succeeded' and provider_ref is not null", [orderId]);
    if (paid.rowCount) return { outcome: { kind: "already-paid" } };

    // Sales entry already recorded the order's payment (provider_ref null): the provider's
    // confirmation claims that row, so the money is counted once — also when the order was
    // entered with another method (entered as MoMo, paid by ZaloPay after MoMo failed; entered as
    // cash, paid by wallet). Then the row takes the provider's method and the location's paid
    // amounts move from the entered method to it, on the day the entry counted for.
    const claimed = await client.query<{ id: string; created_at: Date; entered_as: string; amount_vnd: string; entered_at: Date }>(
      `with target as (
         select id, method from payments where order_id = $1 and provider_ref is null
          order by (method = $2) desc, created_at limit 1 for update)
       update payments p set provider_ref = $3, status = 'succeeded', method = $2
         from target where p.id = target.id
       returning p.id, now() as created_at, target.method as entered_as, p.amount_vnd, p.created_at as entered_at`,
      [orderId, n.provider, n.providerRef],
    );
    const entry = claimed.rows[0];
    if (entry && entry.entered_as !== n.provider) {
      await client.query(
        `with day as (
           select l.id as location_id, ($3::timestamptz at time zone l.timezone)::date as local_date
             from locations l where l.id = $1::uuid),
         taken as (
           update location_daily_payments s set amount_vnd = s.amount_vnd - $4::bigint, payments = s.payments - 1
             from day where s.location_id = day.location_id and s.local_date = day.local_date and s.method = $2)
         insert into location_daily_payments as s (tenant_id, location_id, local_date, method, amount_vnd, payments)
           select $6::uuid, day.location_id, day.local_date, $5::text, $4::bigint, 1 from day
         on conflict (location_id, local_date, method) do update
           set amount_vnd = s.amount_vnd + excluded.amount_vnd, payments = s.payments + excluded.payments`,
        [row.location_id, entry.entered_as, entry.entered_at, entry.amount_vnd, n.provider, tenantId],
      );
    }
    const inserted = claimed.rowCount
      ? claimed
      : await client.query<{ id: string; created_at: Date }>(
          `insert into payments (tenant_id, order_id, method, amount_vnd, status, provider_ref)
           values ($1, $2, $3, $4, 'succeeded', $5)
           on conflict (tenant_id, method, provider_ref) do nothing
           returning id, created_at`,
          [tenantId, orderId, n.provider, n.amountVnd.toString(), n.providerRef],
        );
    const payment = inserted.rows[0];
    if (!payment) return { outcome: { kind: "duplicate" } };
    const recorded: RecordedPayment = {
      tenantId,
      locationId: row.location_id,
      orderId,
      paymentId: payment.id,
      method: n.provider,
      amountVnd: n.amountVnd,
      providerRef: n.providerRef,
      receivedAt: payment.created_at,
    };
    await client.query("insert into outbox (tenant_id, topic, key, payload) values ($1, 'payment.succeeded', $2, $3)", [
      tenantId,
      orderId,
      JSON.stringify({ ...recorded, amountVnd: recorded.amountVnd.toString() }),
    ]);
    return { outcome: { kind: "applied", paymentId: payment.id }, payment: recorded };
  });
}
