// Orders are referred to providers by their id: MoMo takes the uuid as is, VNPay's vnp_TxnRef
// must be alphanumeric (32 hex digits), ZaloPay's app_trans_id must start with the date
// (yymmdd_<32 hex>). All three decode back to the order's uuid here.
const HEX32 = /^[0-9a-f]{32}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function orderIdFromRef(ref: string): string | undefined {
  const body = ref.replace(/^\d{6}_/, "");
  if (UUID.test(body)) return body.toLowerCase();
  if (!HEX32.test(body)) return undefined;
  const h = body.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function compactOrderRef(orderId: string): string {
  return orderId.replaceAll("-", "").toLowerCase();
}

/** ZaloPay's app_trans_id for an order, dated in Vietnam (GMT+7) as ZaloPay requires. */
export function zaloPayTransId(orderId: string, at = new Date()): string {
  const vn = new Date(at.getTime() + 7 * 3600_000);
  const yymmdd = vn.toISOString().slice(2, 10).replaceAll("-", "");
  return `${yymmdd}_${compactOrderRef(orderId)}`;
}
