// VNPay IPN (API 2.1.0): a GET whose vnp_* query parameters are signed with
// HMAC-SHA512(vnp_HashSecret) over every vnp_* parameter except vnp_SecureHash(Type), sorted by
// name, URL-encoded as VNPay's reference code does (space as "+"), empty values left out.
// Amounts are VND x 100. Reply JSON {RspCode, Message}.
import { createHmac } from "node:crypto";
import type { VnpayAccount } from "../config.js";
import type { PaymentNotification } from "./notification.js";
import { orderIdFromRef } from "./order-ref.js";
import type { WebhookOutcome } from "./outcome.js";
import { safeEqualHex } from "./safe-equal.js";

function encode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}

export function vnpaySignData(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k.startsWith("vnp_") && k !== "vnp_SecureHash" && k !== "vnp_SecureHashType" && params[k] !== "")
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k]!)}`)
    .join("&");
}

export function vnpaySecureHash(params: Record<string, string>, hashSecret: string): string {
  return createHmac("sha512", hashSecret).update(Buffer.from(vnpaySignData(params), "utf8")).digest("hex");
}

export type VnpayCheck = PaymentNotification | "bad-signature" | "malformed";

export function verifyVnpayIpn(params: Record<string, string>, account: VnpayAccount): VnpayCheck {
  const given = params.vnp_SecureHash;
  if (!given || !/^[0-9a-f]{128}$/i.test(given)) return "bad-signature";
  if (!safeEqualHex(vnpaySecureHash(params, account.hashSecret), given)) return "bad-signature";
  const amount = params.vnp_Amount ?? "";
  const txn = params.vnp_TransactionNo ?? "";
  const ref = params.vnp_TxnRef ?? "";
  // VNPay sends amounts x100; a value that is not a whole number of VND cannot be ours.
  if (!/^\d+$/.test(amount) || !amount.endsWith("00") || !txn || !ref) return "malformed";
  return {
    provider: "vnpay",
    providerRef: txn,
    orderId: orderIdFromRef(ref),
    amountVnd: BigInt(amount) / 100n,
    succeeded: params.vnp_ResponseCode === "00" && params.vnp_TransactionStatus === "00",
    providerResult: `${params.vnp_ResponseCode ?? ""}/${params.vnp_TransactionStatus ?? ""}`,
  };
}

// VNPay's IPN reply codes: 00 confirmed, 01 order not found, 02 order already confirmed,
// 04 invalid amount, 97 invalid signature, 99 other error (VNPay retries on 99 and on no reply).
export function vnpayReply(outcome: WebhookOutcome): Response {
  switch (outcome.kind) {
    case "applied":
    case "not-succeeded":
      return Response.json({ RspCode: "00", Message: "Confirm Success" });
    case "duplicate":
    case "already-paid":
      return Response.json({ RspCode: "02", Message: "Order already confirmed" });
    case "error":
      return Response.json({ RspCode: "99", Message: "Unknown error" });
    case "refused":
      switch (outcome.reason) {
        case "bad-signature":
        case "unknown-merchant":
          return Response.json({ RspCode: "97", Message: "Invalid signature" });
        case "unknown-order":
          return Response.json({ RspCode: "01", Message: "Order not found" });
        case "wrong-amount":
          return Response.json({ RspCode: "04", Message: "Invalid amount" });
        case "malformed":
          return Response.json({ RspCode: "99", Message: outcome.detail });
      }
  }
}
