// The three provider endpoints as fetch-style handlers (Request -> Response), so they mount on
// any server: the cell's yoga/HTTP server, or the node adapter in ./node-adapter.ts.
// The tenant comes only from the router's signed header, as for every cell request.
import { TENANT_HEADER, TENANT_SIGNATURE_HEADER, type Logger } from "../../common/index.js";
import { verifyTenantHeader } from "../auth/tenant-header.js";
import type { Database } from "../db/index.js";
import { findAccount, type PaymentConfig, type Provider } from "./config.js";
import { MomoIpn, momoReply, verifyMomoIpn } from "./providers/momo.js";
import type { PaymentNotification } from "./providers/notification.js";
import { refused, type WebhookOutcome } from "./providers/outcome.js";
import { verifyVnpayIpn, vnpayReply } from "./providers/vnpay.js";
import { ZaloPayCallback, zaloPayAppId, zaloPayReply, verifyZaloPayCallback } from "./providers/zalopay.js";
import { recordPayment, type RecordedPayment } from "./record-payment.js";

export interface PaymentWebhookDeps {
  db: Database;
  /** Resolves the router's tenant slug to the tenant id (cell/auth's TenantDirectory). */
  tenants: { lookup(slug: string): Promise<{ id: string; status: string } | undefined> };
  routerSigningKey: string;
  /** During a key rotation, the router's previous key: headers signed with it are accepted too. */
  routerSigningKeyPrevious?: string | undefined;
  config: PaymentConfig;
  log: Logger;
  /** Called after a payment commits (real-time push, cache invalidation). Errors are logged, never returned to the provider. */
  onPayment?: (payment: RecordedPayment) => Promise<void> | void;
}

export const PAYMENT_WEBHOOK_PATHS = {
  momo: "/webhooks/momo/ipn",
  zalopay: "/webhooks/zalopay/callback",
  vnpay: "/webhooks/vnpay/ipn",
} as const;

export interface PaymentWebhookHandlers {
  momo(request: Request): Promise<Response>;
  zalopay(request: Request): Promise<Response>;
  vnpay(request: Request): Promise<Response>;
  /** Dispatches by method and path; undefined when the request is not a payment webhook. */
  route(request: Request): Promise<Response> | undefined;
}

type Tenant = { slug: string; id: string };

export function createPaymentWebhookHandlers(deps: PaymentWebhookDeps): PaymentWebhookHandlers {
  const log = deps.log.child({ component: "payment-webhooks" });
  const keys = { current: deps.routerSigningKey, previous: deps.routerSigningKeyPrevious };

  async function tenantOf(provider: Provider, request: Request): Promise<Tenant | WebhookOutcome> {
    const slug = request.headers.get(TENANT_HEADER) ?? undefined;
    const check = verifyTenantHeader(keys, slug, request.headers.get(TENANT_SIGNATURE_HEADER) ?? undefined);
    if (!check.ok) return refusal(provider, slug ?? "(none)", "unknown-merchant", `tenant header ${check.reason}: webhooks must come through the router`);
    const tenant = await deps.tenants.lookup(check.slug);
    if (!tenant || tenant.status !== "active") return refusal(provider, check.slug, "unknown-merchant", `tenant '${check.slug}' is not served by this cell`);
    return { slug: check.slug, id: tenant.id };
  }

  async function apply(provider: Provider, tenant: Tenant, n: PaymentNotification, locations: readonly string[] | undefined): Promise<WebhookOutcome> {
    const { outcome, payment } = await recordPayment(deps.db, tenant.id, n, locations);
    report(provider, tenant.slug, outcome, n);
    if (payment && deps.onPayment) {
      try {
        await deps.onPayment(payment);
      } catch (error) {
        log.error({ err: error, provider, orderId: payment.orderId }, "Failed to publish a recorded payment");
      }
    }
    return outcome;
  }

  function report(provider: Provider, tenant: string, outcome: WebhookOutcome, n?: Partial<PaymentNotification>) {
    const fields = { provider, tenant, outcome: outcome.kind, providerRef: n?.providerRef, orderId: n?.orderId, providerResult: n?.providerResult };
    if (outcome.kind === "refused") log.warn({ ...fields, reason: outcome.reason, detail: outcome.detail }, "Refused a payment callback");
    else if (outcome.kind === "error") log.error(fields, "Failed to process a payment callback");
    // Another provider transaction for an order already paid: the customer may have paid twice
    // and be owed a refund, which takes a person.
    else if (outcome.kind === "already-paid") log.warn(fields, "A second payment arrived for an order already paid: check for a refund");
    else log.info(fields, "Processed a payment callback");
  }

  async function guarded(provider: Provider, work: () => Promise<Response>, fail: (o: WebhookOutcome) => Response): Promise<Response> {
    try {
      return await work();
    } catch (error) {
      log.error({ err: error, provider }, "Failed to process a payment callback");
      return fail({ kind: "error" });
    }
  }

  const handlers: PaymentWebhookHandlers = {
    momo: (request) =>
      guarded("momo", async () => {
        const tenant = await tenantOf("momo", request);
        if (!("id" in tenant)) return momoReply(tenant);
        const body = MomoIpn.safeParse(await request.json().catch(() => undefined));
        if (!body.success) return momoReply(refusal("momo", tenant.slug, "malformed", fieldErrors(body.error.issues)));
        const account = findAccount(deps.config, tenant.slug, "momo", body.data.partnerCode);
        if (!account) return momoReply(refusal("momo", tenant.slug, "unknown-merchant", `partnerCode '${body.data.partnerCode}' is not configured for this tenant`), body.data);
        const n = verifyMomoIpn(body.data, account);
        if (!n) return momoReply(refusal("momo", tenant.slug, "bad-signature", "signature does not match"), body.data);
        return momoReply(await apply("momo", tenant, n, account.locations), body.data);
      }, momoReply),

    zalopay: (request) =>
      guarded("zalopay", async () => {
        const tenant = await tenantOf("zalopay", request);
        if (!("id" in tenant)) return zaloPayReply(tenant);
        const body = ZaloPayCallback.safeParse(await request.json().catch(() => undefined));
        if (!body.success) return zaloPayReply(refusal("zalopay", tenant.slug, "malformed", fieldErrors(body.error.issues)));
        const appId = zaloPayAppId(body.data.data);
        const account = appId === undefined ? undefined : findAccount(deps.config, tenant.slug, "zalopay", appId);
        if (!account) return zaloPayReply(refusal("zalopay", tenant.slug, "unknown-merchant", `app_id '${appId}' is not configured for this tenant`));
        const n = verifyZaloPayCallback(body.data, account);
        if (!n) return zaloPayReply(refusal("zalopay", tenant.slug, "bad-signature", "mac not equal"));
        if (n === "malformed") return zaloPayReply(refusal("zalopay", tenant.slug, "malformed", "data is not a ZaloPay callback object"));
        return zaloPayReply(await apply("zalopay", tenant, n, account.locations));
      }, zaloPayReply),

    vnpay: (request) =>
      guarded("vnpay", async () => {
        const tenant = await tenantOf("vnpay", request);
        if (!("id" in tenant)) return vnpayReply(tenant);
        const params = Object.fromEntries(new URL(request.url).searchParams);
        const account = findAccount(deps.config, tenant.slug, "vnpay", params.vnp_TmnCode ?? "");
        if (!account) return vnpayReply(refusal("vnpay", tenant.slug, "unknown-merchant", `vnp_TmnCode '${params.vnp_TmnCode ?? ""}' is not configured for this tenant`));
        const n = verifyVnpayIpn(params, account);
        if (n === "bad-signature") return vnpayReply(refusal("vnpay", tenant.slug, "bad-signature", "vnp_SecureHash does not match"));
        if (n === "malformed") return vnpayReply(refusal("vnpay", tenant.slug, "malformed", "vnp_Amount, vnp_TransactionNo or vnp_TxnRef missing or invalid"));
        return vnpayReply(await apply("vnpay", tenant, n, account.locations));
      }, vnpayReply),

    route(request) {
      const path = new URL(request.url).pathname;
      if (request.method === "POST" && path === PAYMENT_WEBHOOK_PATHS.momo) return handlers.momo(request);
      if (request.method === "POST" && path === PAYMENT_WEBHOOK_PATHS.zalopay) return handlers.zalopay(request);
      if (request.method === "GET" && path === PAYMENT_WEBHOOK_PATHS.vnpay) return handlers.vnpay(request);
      return undefined;
    },
  };

  function refusal(provider: Provider, tenant: string, reason: Parameters<typeof refused>[0], detail: string): WebhookOutcome {
    const outcome = refused(reason, detail);
    report(provider, tenant, outcome);
    return outcome;
  }

  return handlers;
}

function fieldErrors(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join(".") || "(body)"}: ${i.message}`).join("; ");
}
