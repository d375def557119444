// MoMo AIO v2 IPN: a JSON POST signed with HMAC-SHA256(secretKey) over the fields in
// alphabetical order, accessKey (from our configuration, not the body) included. MoMo expects
// HTTP 204 within 15 s; anything else is treated as not delivered.
import { createHmac } from "node:crypto";
import { z } from "zod";
import type { MomoAccount } from "../config.js";
import type { PaymentNotification } from "./notification.js";
import { orderIdFromRef } from "./order-ref.js";
import type { WebhookOutcome } from "./outcome.js";
import { safeEqualHex } from "./safe-equal.js";

const scalar = z.union([z.string(), z.number()]).transform(String);

export const MomoIpn = z.object({
  partnerCode: z.string().min(1),
  orderId: z.string().min(1),
  requestId: z.string().min(1),
  amount: scalar.pipe(z.string().regex(/^\d+$/, "must be a whole number of VND")),
  orderInfo: z.string(),
  orderType: z.string(),
  transId: scalar.pipe(z.string().min(1)),
  resultCode: scalar.pipe(z.string().regex(/^-?\d+$/)),
  message: z.string(),
  payType: z.string(),
  responseTime: scalar,
  extraData: z.string(),
  signature: z.string().regex(/^[0-9a-f]{64}$/i, "must be 64 hex digits"),
});
export type MomoIpn = z.output<typeof MomoIpn>;
export type MomoIpnFields = Omit<MomoIpn, "signature">;

/** The documented raw signature string (IPN v2). */
export function momoIpnRawSignature(ipn: MomoIpnFields, accessKey: string): string {
  return (
    `accessKey=${accessKey}&amount=${ipn.amount}&extraData=${ipn.extraData}&message=${ipn.message}` +
    `&orderId=${ipn.orderId}&orderInfo=${ipn.orderInfo}&orderType=${ipn.orderType}&partnerCode=${ipn.partnerCode}` +
    `&payType=${ipn.payType}&requestId=${ipn.requestId}&responseTime=${ipn.responseTime}&resultCode=${ipn.resultCode}` +
    `&transId=${ipn.transId}`
  );
}

export function momoIpnSignature(ipn: MomoIpnFields, account: Pick<MomoAccount, "accessKey" | "secretKey">): string {
  return createHmac("sha256", account.secretKey).update(momoIpnRawSignature(ipn, account.accessKey)).digest("hex");
}

export function verifyMomoIpn(ipn: MomoIpn, account: MomoAccount): PaymentNotification | undefined {
  if (!safeEqualHex(momoIpnSignature(ipn, account), ipn.signature)) return undefined;
  return {
    provider: "momo",
    providerRef: ipn.transId,
    orderId: orderIdFromRef(ipn.orderId),
    amountVnd: BigInt(ipn.amount),
    // Only 0 is money received. 9000 is "authorized, not captured" (MoMo's capture-later flow),
    // which this cell never captures: counting it would show as paid money that may be voided.
    succeeded: ipn.resultCode === "0",
    providerResult: ipn.resultCode,
  };
}

// MoMo result codes (developers.momo.vn, "Result codes"): 13 merchant authentication failed,
// 20 bad format request, 21 invalid amount, 42 invalid orderId or orderId not found, 99 unknown.
const MOMO_CODES = { malformed: 20, "unknown-merchant": 13, "bad-signature": 13, "unknown-order": 42, "wrong-amount": 21 } as const;

export function momoReply(outcome: WebhookOutcome, ipn?: Pick<MomoIpn, "partnerCode" | "orderId" | "requestId">): Response {
  if (outcome.kind === "error") return Response.json(momoBody(99, "Unknown error", ipn), { status: 500 });
  if (outcome.kind !== "refused") return new Response(null, { status: 204 });
  return Response.json(momoBody(MOMO_CODES[outcome.reason], outcome.detail, ipn), { status: 400 });
}

function momoBody(resultCode: number, message: string, ipn?: Pick<MomoIpn, "partnerCode" | "orderId" | "requestId">) {
  return { partnerCode: ipn?.partnerCode ?? "", orderId: ipn?.orderId ?? "", requestId: ipn?.requestId ?? "", resultCode, message, responseTime: Date.now() };
}
