// Test support: a cell with two tenants (one with two locations and a menu), keys, tokens and a
// payment configuration — what the real-time and payment tests share.
import { randomBytes } from "node:crypto";
import { provisionTenant } from "../../provisioning/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../../testing/database.js";
import type { PaymentConfigInput } from "../../payments/index.js";
import type { ReplicaConfig } from "./replica.js";
import { createTestIssuer, routerHeaders, type TestIssuer } from "./tokens.js";

export interface CellFixture {
  cell: TestCellDatabase;
  issuer: TestIssuer;
  signingKey: string;
  payments: PaymentConfigInput;
  pho: { tenantId: string; slug: string; locations: [string, string]; items: { id: string; priceVnd: number }[] };
  bun: { tenantId: string; slug: string; location: string; items: { id: string; priceVnd: number }[] };
  replicaConfig(extra?: Partial<ReplicaConfig>): ReplicaConfig;
  headers(slug: string): Record<string, string>;
  ownerToken(slug: string): Promise<string>;
  drop(): Promise<void>;
}

export const MOMO = { partnerCode: "MOMOPHO0001", accessKey: "F8BBA842ECF85", secretKey: "K951B6PE1waDMi640xX08PD3vg6EkVlz" };
export const ZALOPAY = { appId: "2554", key2: "trMrHtvjo6myautxDUiAcYsVtaeQ8nhf" };
export const VNPAY = { tmnCode: "PHOVNP01", hashSecret: "XNBCJFAKAZQSGTARRLGCHVZWCIOIGSHN" };
/** A terminal used only at the tenant's second location (Ba Đình). */
export const VNPAY_BA_DINH = { tmnCode: "PHOVNP02", hashSecret: "BADINHSECRETBADINHSECRET12345678" };

export async function createCellFixture(prefix: string): Promise<CellFixture> {
  const cell = await createTestCellDatabase(prefix);
  const issuer = await createTestIssuer();
  const signingKey = randomBytes(32).toString("hex");
  const a = await provisionTenant(cell.admin, cell.cellName, {
    slug: "pho-bo-hanoi",
    displayName: "Phở Bò Hà Nội",
    plan: "growth",
    owner: { phone: "+84900000001", name: "Chị Lan" },
    locations: [{ name: "Hoàn Kiếm" }, { name: "Ba Đình" }],
  });
  const b = await provisionTenant(cell.admin, cell.cellName, {
    slug: "bun-cha-saigon",
    displayName: "Bún Chả Sài Gòn",
    plan: "starter",
    owner: { phone: "+84900000002", name: "Anh Tuấn" },
    locations: [{ name: "Quận 3" }],
  });
  const s = cell.admin.escapeIdentifier(cell.schema);
  const locationsOf = async (tenantId: string) =>
    (await cell.admin.query<{ id: string }>(`select id from ${s}.locations where tenant_id = $1 order by name desc`, [tenantId])).rows.map((r) => r.id);
  const menu = async (tenantId: string, prices: number[]) => {
    const cat = await cell.admin.query<{ id: string }>(`insert into ${s}.menu_categories (tenant_id, name) values ($1, 'Món chính') returning id`, [tenantId]);
    const items = [];
    for (const [i, price] of prices.entries()) {
      const r = await cell.admin.query<{ id: string }>(`insert into ${s}.menu_items (tenant_id, category_id, name, price_vnd) values ($1, $2, $3, $4) returning id`, [
        tenantId,
        cat.rows[0]!.id,
        `Món ${i + 1}`,
        price,
      ]);
      items.push({ id: r.rows[0]!.id, priceVnd: price });
    }
    return items;
  };
  const phoLocations = await locationsOf(a.tenantId);
  const bunLocations = await locationsOf(b.tenantId);
  const payments: PaymentConfigInput = {
    tenants: {
      "pho-bo-hanoi": { momo: [MOMO], zalopay: [ZALOPAY], vnpay: [VNPAY, { ...VNPAY_BA_DINH, locations: [phoLocations[1]!] }] },
      "bun-cha-saigon": { momo: [{ ...MOMO, partnerCode: "MOMOBUN0001", secretKey: "another-secret-for-bun" }] },
    },
  };
  const fixture: CellFixture = {
    cell,
    issuer,
    signingKey,
    payments,
    pho: { tenantId: a.tenantId, slug: "pho-bo-hanoi", locations: [phoLocations[0]!, phoLocations[1]!], items: await menu(a.tenantId, [55_000, 65_000, 15_000]) },
    bun: { tenantId: b.tenantId, slug: "bun-cha-saigon", location: bunLocations[0]!, items: await menu(b.tenantId, [45_000]) },
    replicaConfig: (extra = {}) => ({
      databaseUrl: cell.roleUrl,
      schema: cell.schema,
      redisUrl: redisUrl(),
      routerSigningKey: signingKey,
      jwks: issuer.jwks,
      payments,
      ...extra,
    }),
    headers: (slug) => routerHeaders(signingKey, slug),
    ownerToken: (slug) => issuer.token(`owner-${slug}`, [{ tenant: slug, role: "owner", locations: "*" }]),
    drop: () => cell.drop(),
  };
  return fixture;
}

export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error("REDIS_URL is not set: run integration tests through jest's global setup with redis (LSP_TEST_SERVICES=postgres,redis)");
  return url;
}

/** Enters a sale through a replica's sales entry, as a signed-in owner. */
export async function enterSale(
  replicaUrl: string,
  fixture: CellFixture,
  slug: string,
  order: { locationId: string; lines: { menuItemId: string; quantity: number }[]; paymentMethod?: string; idempotencyKey?: string; orderedAt?: string },
): Promise<{ orderId: string; totalVnd: number; returnedAt: number }> {
  const res = await fetch(`${replicaUrl}/test/orders`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await fixture.ownerToken(slug)}`, ...fixture.headers(slug) },
    body: JSON.stringify({ channel: "dine_in", paymentMethod: "cash", idempotencyKey: randomBytes(8).toString("hex"), ...order }),
  });
  if (!res.ok) throw new Error(`sales entry failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { orderId: string; totalVnd: number };
  return { ...body, returnedAt: performance.timeOrigin + performance.now() };
}
