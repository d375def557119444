// A MoMo IPN v2 exactly as MoMo sends it: JSON, numbers where MoMo's docs say Long/int, and the
// HMAC-SHA256 signature over the documented field order (accessKey comes from the merchant
// account, not the body). Mirrors cell/payments/providers/momo.ts, which verifies it.
import crypto from "k6/crypto";

export function momoIpn(account, orderId, amountVnd) {
  const f = {
    partnerCode: account.partnerCode,
    orderId,
    requestId: `k6-${__VU}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    amount: String(amountVnd),
    orderInfo: "Thanh toán đơn hàng",
    orderType: "momo_wallet",
    transId: String(4000000000 + Math.floor(Math.random() * 999999999)),
    resultCode: "0",
    message: "Successful.",
    payType: "qr",
    responseTime: String(Date.now()),
    extraData: "",
  };
  const raw =
    `accessKey=${account.accessKey}&amount=${f.amount}&extraData=${f.extraData}&message=${f.message}` +
    `&orderId=${f.orderId}&orderInfo=${f.orderInfo}&orderType=${f.orderType}&partnerCode=${f.partnerCode}` +
    `&payType=${f.payType}&requestId=${f.requestId}&responseTime=${f.responseTime}&resultCode=${f.resultCode}` +
    `&transId=${f.transId}`;
  const signature = crypto.hmac("sha256", account.secretKey, raw, "hex");
  return JSON.stringify({ ...f, amount: Number(f.amount), transId: Number(f.transId), resultCode: 0, responseTime: Number(f.responseTime), signature });
}
