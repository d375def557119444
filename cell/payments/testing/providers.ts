// Faithful fakes of the providers' servers: each builds the callback its provider sends for a
// payment (real field names and wire format, signed with the documented formula) and delivers it
// the way the provider does, retrying when the provider's rules say it would.
import { randomInt, randomUUID } from "node:crypto";
import type { MomoAccount, VnpayAccount, ZaloPayAccount } from "../config.js";
import { momoIpnSignature, type MomoIpn, type MomoIpnFields } from "../providers/momo.js";
import { compactOrderRef, zaloPayTransId } from "../providers/order-ref.js";
import { vnpaySecureHash } from "../providers/vnpay.js";
import { zaloPayMac, type ZaloPayCallbackData } from "../providers/zalopay.js";

export interface Delivery {
  url: string;
  /** Headers the router adds in front of the cell (x-lsp-tenant and its signature). */
  headers?: Record<string, string>;
}

export class FakeMomo {
  constructor(readonly account: MomoAccount) {}

  ipn(orderId: string, amountVnd: number, overrides: Partial<MomoIpnFields> = {}): MomoIpn {
    const fields: MomoIpnFields = {
      partnerCode: this.account.partnerCode,
      orderId,
      requestId: randomUUID(),
      amount: String(amountVnd),
      orderInfo: "Thanh toán đơn hàng",
      orderType: "momo_wallet",
      transId: String(4_000_000_000 + randomInt(0, 999_999_999)),
      resultCode: "0",
      message: "Successful.",
      payType: "qr",
      responseTime: String(Date.now()),
      extraData: "",
      ...overrides,
    };
    return { ...fields, signature: momoIpnSignature(fields, this.account) };
  }

  /** MoMo posts JSON with numbers where its docs say Long/int. */
  async deliver(ipn: MomoIpn, to: Delivery): Promise<Response> {
    const wire = { ...ipn, amount: Number(ipn.amount), transId: Number(ipn.transId), resultCode: Number(ipn.resultCode), responseTime: Number(ipn.responseTime) };
    return fetch(to.url, { method: "POST", headers: { "content-type": "application/json", ...to.headers }, body: JSON.stringify(wire) });
  }
}

export class FakeZaloPay {
  constructor(readonly account: ZaloPayAccount) {}

  callback(orderId: string, amountVnd: number, overrides: Partial<ZaloPayCallbackData> = {}): { data: string; mac: string; type: number } {
    const data: ZaloPayCallbackData = {
      app_id: Number(this.account.appId),
      app_trans_id: zaloPayTransId(orderId),
      app_time: Date.now() - 30_000,
      app_user: "user123",
      amount: amountVnd,
      embed_data: "{}",
      item: "[]",
      zp_trans_id: 250_000_000 + randomInt(0, 99_999_999),
      server_time: Date.now(),
      channel: 38,
      merchant_user_id: "rSVW4eS2vYBxDaDOWBdXHsz2sa5jyRe6D2lzz9vvOXI",
      user_fee_amount: 0,
      discount_amount: 0,
      ...overrides,
    };
    const raw = JSON.stringify(data);
    return { data: raw, mac: zaloPayMac(raw, this.account.key2), type: 1 };
  }

  /** ZaloPay calls back again (up to 3 times) only when the merchant answers return_code 0. */
  async deliver(callback: { data: string; mac: string; type: number }, to: Delivery, attempts = 3): Promise<{ return_code: number; return_message: string }[]> {
    const replies: { return_code: number; return_message: string }[] = [];
    for (let i = 0; i < attempts; i++) {
      const res = await fetch(to.url, { method: "POST", headers: { "content-type": "application/json", ...to.headers }, body: JSON.stringify(callback) });
      const reply = (await res.json()) as { return_code: number; return_message: string };
      replies.push(reply);
      if (reply.return_code !== 0) break;
    }
    return replies;
  }
}

export class FakeVnpay {
  constructor(readonly account: VnpayAccount) {}

  ipnParams(orderId: string, amountVnd: number, overrides: Record<string, string> = {}): Record<string, string> {
    const params: Record<string, string> = {
      vnp_Amount: String(amountVnd * 100),
      vnp_BankCode: "NCB",
      vnp_BankTranNo: `VNP${randomInt(10_000_000, 99_999_999)}`,
      vnp_CardType: "ATM",
      vnp_OrderInfo: `Thanh toan don hang ${compactOrderRef(orderId)}`,
      vnp_PayDate: "20261122093000",
      vnp_ResponseCode: "00",
      vnp_TmnCode: this.account.tmnCode,
      vnp_TransactionNo: String(randomInt(10_000_000, 99_999_999)),
      vnp_TransactionStatus: "00",
      vnp_TxnRef: compactOrderRef(orderId),
      ...overrides,
    };
    return { ...params, vnp_SecureHashType: "HmacSHA512", vnp_SecureHash: vnpaySecureHash(params, this.account.hashSecret) };
  }

  /** VNPay calls the IPN URL with GET and the signed parameters in the query string. */
  async deliver(params: Record<string, string>, to: Delivery): Promise<{ RspCode: string; Message: string }> {
    const url = new URL(to.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, { headers: to.headers });
    return (await res.json()) as { RspCode: string; Message: string };
  }
}
