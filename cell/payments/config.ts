// Which merchant accounts a cell accepts callbacks for, and their secrets. One tenant may hold
// several accounts per provider (e.g. one MoMo partner code per location); a callback names its
// account (MoMo partnerCode, ZaloPay app_id, VNPay vnp_TmnCode), which selects the secret.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const locations = z.array(z.uuid()).optional().describe("location ids this account is used at; omitted = every location of the tenant");
const secret = z.string().min(8, "must be at least 8 characters (copy it from the provider's merchant portal)");

const MomoAccount = z.object({ partnerCode: z.string().min(1), accessKey: z.string().min(1), secretKey: secret, locations });
const ZaloPayAccount = z.object({ appId: z.union([z.string(), z.number()]).transform(String), key2: secret, locations });
const VnpayAccount = z.object({ tmnCode: z.string().min(1), hashSecret: secret, locations });

const TenantAccounts = z.object({
  momo: z.array(MomoAccount).default([]),
  zalopay: z.array(ZaloPayAccount).default([]),
  vnpay: z.array(VnpayAccount).default([]),
});

/** Keyed by tenant slug (the slug the router signs). */
export const PaymentConfig = z.object({ tenants: z.record(z.string(), TenantAccounts) });

export type PaymentConfig = z.output<typeof PaymentConfig>;
export type PaymentConfigInput = z.input<typeof PaymentConfig>;
export type MomoAccount = z.output<typeof MomoAccount>;
export type ZaloPayAccount = z.output<typeof ZaloPayAccount>;
export type VnpayAccount = z.output<typeof VnpayAccount>;
export type Provider = "momo" | "zalopay" | "vnpay";

export class InvalidPaymentConfigError extends Error {
  constructor(source: string, issues: { field: string; message: string }[]) {
    super(`invalid payment configuration (${source}): ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
    this.name = "InvalidPaymentConfigError";
  }
}

export function parsePaymentConfig(value: unknown, source = "inline"): PaymentConfig {
  const parsed = PaymentConfig.safeParse(value);
  if (!parsed.success) {
    throw new InvalidPaymentConfigError(source, parsed.error.issues.map((i) => ({ field: i.path.join(".") || "(root)", message: i.message })));
  }
  return parsed.data;
}

/** Reads a YAML or JSON file (JSON is YAML). Secrets stay out of the environment's listing. */
export function loadPaymentConfigFile(path: string): PaymentConfig {
  return parsePaymentConfig(parseYaml(readFileSync(path, "utf8")), path);
}

/** The account a callback names, for the tenant it arrived for; undefined when not configured. */
export function findAccount<P extends Provider>(config: PaymentConfig, tenantSlug: string, provider: P, merchantId: string) {
  const tenant = config.tenants[tenantSlug];
  if (!tenant) return undefined;
  const accounts = tenant[provider] as Array<PaymentConfig["tenants"][string][P][number]>;
  return accounts.find((a) => merchantIdOf(provider, a) === merchantId);
}

function merchantIdOf(provider: Provider, account: MomoAccount | ZaloPayAccount | VnpayAccount): string {
  if (provider === "momo") return (account as MomoAccount).partnerCode;
  if (provider === "zalopay") return (account as ZaloPayAccount).appId;
  return (account as VnpayAccount).tmnCode;
}
