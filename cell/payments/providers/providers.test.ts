import { createHmac } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { FakeMomo, FakeVnpay, FakeZaloPay } from "../testing/providers.js";
import { momoIpnRawSignature, MomoIpn, verifyMomoIpn } from "./momo.js";
import { orderIdFromRef, zaloPayTransId } from "./order-ref.js";
import { vnpaySignData, verifyVnpayIpn } from "./vnpay.js";
import { verifyZaloPayCallback } from "./zalopay.js";

const orderId = "0b6f3c1e-8a4d-4f3e-9c2b-5d7e8f9a0b1c";
const momo = { partnerCode: "MOMOBKUN20180529", accessKey: "klm05TvNBzhg7h7j", secretKey: "at67qH6mk8w5Y1nAyMoYKMWACiEi2bsa" };
const zalo = { appId: "2554", key2: "trMrHtvjo6myautxDUiAcYsVtaeQ8nhf" };
const vnpay = { tmnCode: "CGXZLS0Z", hashSecret: "XNBCJFAKAZQSGTARRLGCHVZWCIOIGSHN" };

describe("Given a MoMo IPN signed with the documented formula", () => {
  const fake = new FakeMomo(momo);

  it("builds the raw signature from accessKey and the fields in alphabetical order", () => {
    const ipn = fake.ipn(orderId, 90_000, { requestId: "r1", transId: "4088878653", responseTime: "1721720663942" });
    expect(momoIpnRawSignature(ipn, momo.accessKey)).toBe(
      `accessKey=klm05TvNBzhg7h7j&amount=90000&extraData=&message=Successful.&orderId=${orderId}&orderInfo=Thanh toán đơn hàng&orderType=momo_wallet&partnerCode=MOMOBKUN20180529&payType=qr&requestId=r1&responseTime=1721720663942&resultCode=0&transId=4088878653`,
    );
    const independent = createHmac("sha256", momo.secretKey).update(momoIpnRawSignature(ipn, momo.accessKey)).digest("hex");
    expect(ipn.signature).toBe(independent);
  });

  it("accepts the wire form MoMo posts (numbers) and reads order, amount and transaction", () => {
    const ipn = fake.ipn(orderId, 90_000);
    const wire = MomoIpn.parse({ ...ipn, amount: 90000, transId: Number(ipn.transId), resultCode: 0, responseTime: Number(ipn.responseTime) });
    expect(verifyMomoIpn(wire, momo)).toEqual({ provider: "momo", providerRef: ipn.transId, orderId, amountVnd: 90_000n, succeeded: true, providerResult: "0" });
  });

  it.each([["amount", "1"], ["orderId", "f".repeat(32)], ["resultCode", "1006"], ["extraData", "eyJ4IjoxfQ=="]] as const)("rejects a tampered %s", (field, value) => {
    const ipn = { ...fake.ipn(orderId, 90_000), [field]: value };
    expect(verifyMomoIpn(ipn, momo)).toBeUndefined();
  });

  it("rejects a signature made with another secret", () => {
    const ipn = new FakeMomo({ ...momo, secretKey: "another-secret-key" }).ipn(orderId, 90_000);
    expect(verifyMomoIpn(ipn, momo)).toBeUndefined();
  });

  it("reports a failed payment as not succeeded", () => {
    expect(verifyMomoIpn(fake.ipn(orderId, 90_000, { resultCode: "1006", message: "Transaction denied by user." }), momo)?.succeeded).toBe(false);
  });

  it("does not count an authorization that was never captured (9000) as money received", () => {
    expect(verifyMomoIpn(fake.ipn(orderId, 90_000, { resultCode: "9000", message: "Transaction is authorized successfully." }), momo)?.succeeded).toBe(false);
  });
});

describe("Given a ZaloPay callback", () => {
  const fake = new FakeZaloPay(zalo);

  it("verifies the mac over the raw data string and decodes the order from app_trans_id", () => {
    const cb = fake.callback(orderId, 120_000);
    expect(cb.mac).toBe(createHmac("sha256", zalo.key2).update(cb.data).digest("hex"));
    const n = verifyZaloPayCallback(cb, zalo);
    expect(n).toMatchObject({ provider: "zalopay", orderId, amountVnd: 120_000n, succeeded: true });
    expect(n).toHaveProperty("providerRef", String(JSON.parse(cb.data).zp_trans_id));
  });

  it("rejects data changed after signing, even when it parses to the same object", () => {
    const cb = fake.callback(orderId, 120_000);
    expect(verifyZaloPayCallback({ ...cb, data: cb.data.replace('"amount":120000', '"amount":1') }, zalo)).toBeUndefined();
    expect(verifyZaloPayCallback({ ...cb, data: JSON.stringify(JSON.parse(cb.data), null, 1) }, zalo)).toBeUndefined();
  });

  it("dates app_trans_id in Vietnam time", () => {
    expect(zaloPayTransId(orderId, new Date("2026-11-21T18:00:00Z"))).toBe(`261122_${orderId.replaceAll("-", "")}`);
  });
});

describe("Given a VNPay IPN query", () => {
  const fake = new FakeVnpay(vnpay);

  it("signs the sorted, URL-encoded vnp_* parameters without the hash fields and empty values", () => {
    const data = vnpaySignData({ vnp_TxnRef: "abc", vnp_Amount: "1000000", vnp_OrderInfo: "Thanh toan don hang", vnp_BankTranNo: "", vnp_SecureHash: "x", vnp_SecureHashType: "HmacSHA512", other: "y" });
    expect(data).toBe("vnp_Amount=1000000&vnp_OrderInfo=Thanh+toan+don+hang&vnp_TxnRef=abc");
  });

  it("verifies a genuine IPN and converts the x100 amount", () => {
    const params = fake.ipnParams(orderId, 75_000);
    expect(params.vnp_SecureHash).toBe(createHmac("sha512", vnpay.hashSecret).update(vnpaySignData(params)).digest("hex"));
    expect(verifyVnpayIpn(params, vnpay)).toMatchObject({ provider: "vnpay", orderId, amountVnd: 75_000n, succeeded: true, providerRef: params.vnp_TransactionNo });
  });

  it.each(["vnp_Amount", "vnp_TxnRef", "vnp_ResponseCode", "vnp_TransactionNo"])("rejects a tampered %s", (field) => {
    const params = { ...fake.ipnParams(orderId, 75_000), [field]: "99" };
    expect(verifyVnpayIpn(params, vnpay)).toBe("bad-signature");
  });

  it("treats a non-00 response code as a payment that did not succeed", () => {
    expect(verifyVnpayIpn(fake.ipnParams(orderId, 75_000, { vnp_ResponseCode: "24", vnp_TransactionStatus: "02" }), vnpay)).toMatchObject({ succeeded: false });
  });
});

describe("Given provider order references", () => {
  it("decodes uuids, compact hex and dated ZaloPay ids, and nothing else", () => {
    expect(orderIdFromRef(orderId)).toBe(orderId);
    expect(orderIdFromRef(orderId.replaceAll("-", "").toUpperCase())).toBe(orderId);
    expect(orderIdFromRef(`261122_${orderId.replaceAll("-", "")}`)).toBe(orderId);
    expect(orderIdFromRef("ORD-20251109-0001")).toBeUndefined();
  });
});
