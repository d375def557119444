// ZaloPay v2 callback: POST {data, mac, type}; mac = HMAC-SHA256(key2, data) over the raw `data`
// string exactly as received (never a re-serialised object). Reply {return_code, return_message}:
// 1 success, 2 already processed (duplicate), 0 = please retry, any other value = do not retry.
import { createHmac } from "node:crypto";
import { z } from "zod";
import type { ZaloPayAccount } from "../config.js";
import type { PaymentNotification } from "./notification.js";
import { orderIdFromRef } from "./order-ref.js";
import type { WebhookOutcome } from "./outcome.js";
import { safeEqualHex } from "./safe-equal.js";

export const ZaloPayCallback = z.object({
  data: z.string().min(2),
  mac: z.string().regex(/^[0-9a-f]{64}$/i, "must be 64 hex digits"),
  type: z.number().int().optional(),
});
export type ZaloPayCallback = z.output<typeof ZaloPayCallback>;

export const ZaloPayCallbackData = z.object({
  app_id: z.union([z.number(), z.string()]).transform(String),
  app_trans_id: z.string().min(1),
  app_time: z.number().optional(),
  app_user: z.string().optional(),
  amount: z.number().int().nonnegative(),
  embed_data: z.string().optional(),
  item: z.string().optional(),
  zp_trans_id: z.union([z.number(), z.string()]).transform(String),
  server_time: z.number().optional(),
  channel: z.number().optional(),
  merchant_user_id: z.string().optional(),
  user_fee_amount: z.number().optional(),
  discount_amount: z.number().optional(),
});
export type ZaloPayCallbackData = z.input<typeof ZaloPayCallbackData>;

export function zaloPayMac(data: string, key2: string): string {
  return createHmac("sha256", key2).update(data).digest("hex");
}

/** The app id the raw data names, read before the mac is checked (it selects the key). */
export function zaloPayAppId(data: string): string | undefined {
  try {
    const value = (JSON.parse(data) as { app_id?: unknown }).app_id;
    return typeof value === "number" || typeof value === "string" ? String(value) : undefined;
  } catch {
    return undefined;
  }
}

/** undefined: bad mac. A callback is only sent for successful payments (type 1 = order). */
export function verifyZaloPayCallback(callback: ZaloPayCallback, account: ZaloPayAccount): PaymentNotification | "malformed" | undefined {
  if (!safeEqualHex(zaloPayMac(callback.data, account.key2), callback.mac)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(callback.data);
  } catch {
    return "malformed";
  }
  const data = ZaloPayCallbackData.safeParse(json);
  if (!data.success) return "malformed";
  return {
    provider: "zalopay",
    providerRef: data.data.zp_trans_id,
    orderId: orderIdFromRef(data.data.app_trans_id),
    amountVnd: BigInt(data.data.amount),
    succeeded: true,
    providerResult: `type=${callback.type ?? 1}`,
  };
}

export function zaloPayReply(outcome: WebhookOutcome): Response {
  switch (outcome.kind) {
    case "applied":
    case "not-succeeded":
      return Response.json({ return_code: 1, return_message: "success" });
    case "duplicate":
    case "already-paid":
      return Response.json({ return_code: 2, return_message: "already processed" });
    case "error":
      return Response.json({ return_code: 0, return_message: "temporary failure, please retry" });
    case "refused":
      return Response.json({ return_code: -1, return_message: outcome.reason === "bad-signature" ? "mac not equal" : outcome.detail });
  }
}
