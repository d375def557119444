// The three providers' callbacks against a real replica (Postgres, Redis, socket.io): each is
// applied once, however often it is delivered; forged, foreign or wrong ones change nothing.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { connectRealtimeClient, type RealtimeClient } from "../realtime/testing/client.js";
import { createCellFixture, enterSale, MOMO, VNPAY, VNPAY_BA_DINH, ZALOPAY, type CellFixture } from "../realtime/testing/fixture.js";
import { startReplica, type Replica } from "../realtime/testing/replica.js";
import type { PaymentEvent } from "../realtime/index.js";
import { PAYMENT_WEBHOOK_PATHS } from "./handlers.js";
import { FakeMomo, FakeVnpay, FakeZaloPay } from "./testing/providers.js";

describe("Given a cell replica with payment webhooks configured for a tenant", () => {
  let fx: CellFixture;
  let replica: Replica;
  let owner: RealtimeClient;
  const momo = new FakeMomo(MOMO);
  const zalopay = new FakeZaloPay(ZALOPAY);
  const vnpay = new FakeVnpay(VNPAY);

  beforeAll(async () => {
    fx = await createCellFixture("pay");
    replica = await startReplica(fx.replicaConfig());
    owner = connectRealtimeClient({ url: replica.url, token: await fx.ownerToken(fx.pho.slug), headers: fx.headers(fx.pho.slug), locations: [...fx.pho.locations] });
    await owner.subscribed;
  });
  afterAll(async () => {
    owner?.close();
    await replica?.close();
    await fx?.drop();
  });

  const to = (provider: keyof typeof PAYMENT_WEBHOOK_PATHS, slug = fx.pho.slug) => ({ url: `${replica.url}${PAYMENT_WEBHOOK_PATHS[provider]}`, headers: fx.headers(slug) });
  const order = (paymentMethod: string, quantity = 1) =>
    enterSale(replica.url, fx, fx.pho.slug, { locationId: fx.pho.locations[0], paymentMethod, lines: [{ menuItemId: fx.pho.items[0]!.id, quantity }] });
  /** Everything a callback could write: payments (with refs), outbox, paid aggregates. */
  async function writes(): Promise<string> {
    const s = fx.cell.admin.escapeIdentifier(fx.cell.schema);
    const { rows } = await fx.cell.admin.query(
      `select (select count(*) from ${s}.payments where provider_ref is not null) as confirmed,
              (select count(*) from ${s}.payments) as payments,
              (select count(*) from ${s}.outbox where topic = 'payment.succeeded') as events,
              (select coalesce(sum(amount_vnd), 0) from ${s}.location_daily_payments) as paid`,
    );
    return JSON.stringify(rows[0]);
  }
  async function paymentsOf(orderId: string) {
    const s = fx.cell.admin.escapeIdentifier(fx.cell.schema);
    return (await fx.cell.admin.query(`select method, amount_vnd::int as amount, provider_ref, status from ${s}.payments where order_id = $1`, [orderId])).rows;
  }

  describe("MoMo IPN", () => {
    it("confirms the order's payment once, replies 204 and pushes the payment to the location's clients", async () => {
      const sale = await order("momo", 2);
      const ipn = momo.ipn(sale.orderId, 110_000);
      const pushed = owner.next((e) => e.type === "payment" && e.orderId === sale.orderId);
      const res = await momo.deliver(ipn, to("momo"));
      expect(res.status).toBe(204);
      const event = (await pushed) as PaymentEvent;
      expect(event).toMatchObject({ method: "momo", amountVnd: 110_000, providerRef: ipn.transId, locationId: fx.pho.locations[0] });
      expect(event.dashboard.paidVnd.momo).toBeGreaterThanOrEqual(110_000);
      expect(await paymentsOf(sale.orderId)).toEqual([{ method: "momo", amount: 110_000, provider_ref: ipn.transId, status: "succeeded" }]);
    });

    it("changes nothing on retries and concurrent duplicates of the same transaction", async () => {
      const sale = await order("momo");
      const ipn = momo.ipn(sale.orderId, 55_000);
      expect((await momo.deliver(ipn, to("momo"))).status).toBe(204);
      const after = await writes();
      const replies = await Promise.all(Array.from({ length: 6 }, () => momo.deliver(ipn, to("momo"))));
      expect(replies.map((r) => r.status)).toEqual([204, 204, 204, 204, 204, 204]);
      expect(await writes()).toBe(after);
      expect(await paymentsOf(sale.orderId)).toHaveLength(1);
    });

    it("records exactly one of several concurrent first deliveries", async () => {
      const sale = await order("cash");
      const ipn = momo.ipn(sale.orderId, 55_000);
      await Promise.all(Array.from({ length: 5 }, () => momo.deliver(ipn, to("momo"))));
      // The order was entered as cash: the MoMo payment claims that entry, once (paid by MoMo, not twice).
      expect(await paymentsOf(sale.orderId)).toEqual([{ method: "momo", amount: 55_000, provider_ref: ipn.transId, status: "succeeded" }]);
    });

    it.each([
      ["a tampered amount", (ipn: ReturnType<FakeMomo["ipn"]>) => ({ ...ipn, amount: "1000" }), 13],
      ["a signature from another secret", (ipn: ReturnType<FakeMomo["ipn"]>) => new FakeMomo({ ...MOMO, secretKey: "not-the-secret-key" }).ipn(ipn.orderId, 55_000), 13],
      ["an unknown partner code", (ipn: ReturnType<FakeMomo["ipn"]>) => ({ ...ipn, partnerCode: "MOMOOTHER" }), 13],
      ["a wrong amount, correctly signed", (ipn: ReturnType<FakeMomo["ipn"]>) => momo.ipn(ipn.orderId, 54_000), 21],
      ["an unknown order, correctly signed", () => momo.ipn("7d0c1f7e-0000-4000-8000-000000000000", 55_000), 42],
      ["an empty requestId", (ipn: ReturnType<FakeMomo["ipn"]>) => ({ ...ipn, requestId: "" }), 20],
    ])("refuses %s with MoMo's result code and writes nothing", async (_name, mutate, code) => {
      const sale = await order("momo");
      const before = await writes();
      const res = await momo.deliver(mutate(momo.ipn(sale.orderId, 55_000)), to("momo"));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ resultCode: code });
      expect(await writes()).toBe(before);
    });

    it("refuses another tenant's order, even with that tenant's own valid signature", async () => {
      const sale = await order("momo");
      const bunMomo = new FakeMomo({ ...MOMO, partnerCode: "MOMOBUN0001", secretKey: "another-secret-for-bun" });
      const before = await writes();
      const res = await bunMomo.deliver(bunMomo.ipn(sale.orderId, 55_000), to("momo", fx.bun.slug));
      expect(await res.json()).toMatchObject({ resultCode: 42 });
      expect(await writes()).toBe(before);
    });

    it("acknowledges a failed payment without recording it", async () => {
      const sale = await order("momo");
      const before = await writes();
      const res = await momo.deliver(momo.ipn(sale.orderId, 55_000, { resultCode: "1006", message: "Transaction denied by user." }), to("momo"));
      expect(res.status).toBe(204);
      expect(await writes()).toBe(before);
    });
  });

  describe("ZaloPay callback", () => {
    it("applies the payment once: 1 then 2 (already processed) for the same zp_trans_id", async () => {
      const sale = await order("zalopay", 3);
      const cb = zalopay.callback(sale.orderId, 165_000);
      expect(await zalopay.deliver(cb, to("zalopay"))).toEqual([{ return_code: 1, return_message: "success" }]);
      const after = await writes();
      expect(await zalopay.deliver(cb, to("zalopay"))).toEqual([{ return_code: 2, return_message: "already processed" }]);
      expect(await writes()).toBe(after);
      expect(await paymentsOf(sale.orderId)).toEqual([{ method: "zalopay", amount: 165_000, provider_ref: String(JSON.parse(cb.data).zp_trans_id), status: "succeeded" }]);
    });

    it("counts the money once when the order was entered with another method (MoMo failed, paid by ZaloPay)", async () => {
      const s = fx.cell.admin.escapeIdentifier(fx.cell.schema);
      const paidByMethod = async () =>
        Object.fromEntries(
          (await fx.cell.admin.query<{ method: string; amount: number }>(`select method, sum(amount_vnd)::int as amount from ${s}.location_daily_payments group by method`)).rows.map((r) => [r.method, r.amount]),
        );
      const sale = await order("momo");
      const before = await paidByMethod();
      const cb = zalopay.callback(sale.orderId, 55_000);
      expect(await zalopay.deliver(cb, to("zalopay"))).toEqual([{ return_code: 1, return_message: "success" }]);
      expect(await paymentsOf(sale.orderId)).toEqual([{ method: "zalopay", amount: 55_000, provider_ref: String(JSON.parse(cb.data).zp_trans_id), status: "succeeded" }]);
      const after = await paidByMethod();
      expect(after.momo).toBe(before.momo! - 55_000);
      expect(after.zalopay).toBe((before.zalopay ?? 0) + 55_000);
      // A late MoMo success for the same order finds it paid: nothing more is counted.
      expect((await momo.deliver(momo.ipn(sale.orderId, 55_000), to("momo"))).status).toBe(204);
      expect(await paidByMethod()).toEqual(after);
    });

    it("answers a bad mac with -1 and a wrong amount with a refusal, writing nothing", async () => {
      const sale = await order("zalopay");
      const before = await writes();
      const cb = zalopay.callback(sale.orderId, 55_000);
      const [bad] = await zalopay.deliver({ ...cb, data: cb.data.replace('"amount":55000', '"amount":5500') }, to("zalopay"));
      expect(bad).toEqual({ return_code: -1, return_message: "mac not equal" });
      const [wrong] = await zalopay.deliver(zalopay.callback(sale.orderId, 50_000), to("zalopay"));
      expect(wrong!.return_code).toBe(-1);
      expect(wrong!.return_message).toMatch(/does not match the order total/);
      expect(await writes()).toBe(before);
    });
  });

  describe("VNPay IPN", () => {
    it("confirms with 00, then answers 02 for the same transaction", async () => {
      const sale = await order("vnpay");
      const params = vnpay.ipnParams(sale.orderId, 55_000);
      expect(await vnpay.deliver(params, to("vnpay"))).toEqual({ RspCode: "00", Message: "Confirm Success" });
      const after = await writes();
      expect(await vnpay.deliver(params, to("vnpay"))).toEqual({ RspCode: "02", Message: "Order already confirmed" });
      expect(await writes()).toBe(after);
    });

    it.each([
      ["a tampered amount", (p: Record<string, string>) => ({ ...p, vnp_Amount: "100" }), "97"],
      ["an unknown order", () => vnpay.ipnParams("7d0c1f7e-0000-4000-8000-000000000000", 55_000), "01"],
      ["a wrong amount", (p: Record<string, string>) => vnpay.ipnParams(p.vnp_TxnRef!, 50_000), "04"],
      ["an unknown terminal", (p: Record<string, string>) => new FakeVnpay({ ...VNPAY, tmnCode: "OTHER" }).ipnParams(p.vnp_TxnRef!, 55_000), "97"],
    ])("refuses %s with RspCode %s and writes nothing", async (_name, mutate, code) => {
      const sale = await order("vnpay");
      const before = await writes();
      expect(await vnpay.deliver(mutate(vnpay.ipnParams(sale.orderId, 55_000)), to("vnpay"))).toMatchObject({ RspCode: code });
      expect(await writes()).toBe(before);
    });
  });

  it("accepts a location's own terminal only for that location's orders", async () => {
    const baDinhTerminal = new FakeVnpay(VNPAY_BA_DINH);
    const elsewhere = await order("vnpay");
    const before = await writes();
    expect(await baDinhTerminal.deliver(baDinhTerminal.ipnParams(elsewhere.orderId, 55_000), to("vnpay"))).toMatchObject({ RspCode: "01" });
    expect(await writes()).toBe(before);
    const here = await enterSale(replica.url, fx, fx.pho.slug, { locationId: fx.pho.locations[1], paymentMethod: "vnpay", lines: [{ menuItemId: fx.pho.items[0]!.id, quantity: 1 }] });
    expect(await baDinhTerminal.deliver(baDinhTerminal.ipnParams(here.orderId, 55_000), to("vnpay"))).toMatchObject({ RspCode: "00" });
  });

  it("refuses a webhook that did not come through the router", async () => {
    const sale = await order("momo");
    const res = await momo.deliver(momo.ipn(sale.orderId, 55_000), { url: to("momo").url, headers: { "x-lsp-tenant": fx.pho.slug } });
    expect(res.status).toBe(400);
    expect(await paymentsOf(sale.orderId)).toEqual([{ method: "momo", amount: 55_000, provider_ref: null, status: "succeeded" }]);
  });
});
