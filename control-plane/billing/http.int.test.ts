import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomPhone } from "../testing/databases.js";
import { tenantManifest } from "../onboarding/tenant-registry.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { ingestUsageEvents } from "../usage/index.js";
import { issueInvoice } from "./invoices.js";
import { planCatalog } from "./plans.js";
import { changePlan } from "./subscriptions.js";
import { DEFAULT_VAT } from "./vat.js";

let h: Harness;
let ownerToken: string;
let strangerToken: string;
let number: string;
const config = { plans: planCatalog(), vat: DEFAULT_VAT };

beforeAll(async () => {
  h = await startHarness();
  const owner = await h.signIn(randomPhone());
  const stranger = await h.signIn(randomPhone());
  ownerToken = owner.accessToken;
  strangerToken = stranger.accessToken;
  await h.db.pool.query(`insert into control_plane.tenants (slug, display_name, plan, owner_user_id) values ('hu-tieu-nam-vang', 'Hủ tiếu Nam Vang', 'growth', $1)`, [owner.user.id]);
  await h.db.pool.query(`insert into control_plane.memberships (user_id, tenant_slug, role) values ($1, 'hu-tieu-nam-vang', 'owner')`, [owner.user.id]);
  const spec = { displayName: "Quán", owner: { phone: owner.user.phone, name: "Chủ" } };
  await h.cp.registry.create(tenantManifest({ ...spec, slug: "hu-tieu-nam-vang", plan: "growth", isolation: "shared" }, owner.user.id));
  // A chain on a cell of its own: it cannot leave plan chain while it is there.
  await h.db.pool.query(`insert into control_plane.tenants (slug, display_name, plan, owner_user_id) values ('com-tam-rieng', 'Cơm tấm', 'chain', $1)`, [owner.user.id]);
  await h.db.pool.query(`insert into control_plane.memberships (user_id, tenant_slug, role) values ($1, 'com-tam-rieng', 'owner')`, [owner.user.id]);
  await h.cp.registry.create(tenantManifest({ ...spec, slug: "com-tam-rieng", plan: "chain", isolation: "dedicated" }, owner.user.id));
  await changePlan(h.db.pool, config.plans, { tenantSlug: "hu-tieu-nam-vang", plan: "growth", effectiveOn: "2026-10-01" });
  await ingestUsageEvents(h.db.pool, [{ tenantSlug: "hu-tieu-nam-vang", eventId: "c/gauge/active_locations/2026-10-02", kind: "active_locations", quantity: 3n, amountVnd: 0n, occurredAt: new Date("2026-10-02T03:00:00Z") }]);
  number = (await issueInvoice(h.db.pool, config, "hu-tieu-nam-vang", "2026-10", new Date("2026-11-01T03:00:00Z"))).number;
  await h.db.pool.query(`insert into rollups.location_daily (tenant_slug, location_id, local_date, location_name, revenue_vnd, orders) values ('hu-tieu-nam-vang', 'l1', '2026-10-05', 'Quận 10', 4500000, 60)`);
});

afterAll(async () => {
  await h?.stop();
});

async function get(path: string, token?: string) {
  return fetch(`${h.cp.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe("Given the control plane with billing attached", () => {
  it("creates the billing tables on start and lists the owner's issued invoices", async () => {
    const res = await get(`/billing/invoices?tenant=hu-tieu-nam-vang`, ownerToken);
    expect(res.status).toBe(200);
    const { invoices } = (await res.json()) as { invoices: { number: string; totalVnd: number; status: string }[] };
    expect(invoices).toEqual([expect.objectContaining({ number, status: "issued", totalVnd: Math.round(3 * 449_000 * 1.1) })]);
  });

  it("serves the invoice as CSV and PDF to its owner", async () => {
    const csv = await get(`/billing/invoices/${number}.csv`, ownerToken);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe(`attachment; filename="${number}.csv"`);
    expect(await csv.text()).toContain("Gói Growth: phí địa điểm (3 × 449.000 ₫/tháng, cả tháng)");
    const pdf = await get(`/billing/invoices/${number}.pdf`, ownerToken);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("answers 401 without a token and 404 to someone who does not own the tenant", async () => {
    expect((await get(`/billing/invoices/${number}.csv`)).status).toBe(401);
    expect((await get(`/billing/invoices/${number}.csv`, strangerToken)).status).toBe(404);
    expect((await get(`/billing/invoices?tenant=hu-tieu-nam-vang`, strangerToken)).status).toBe(404);
    const missing = await get(`/billing/invoices`, ownerToken);
    expect(await missing.json()).toEqual({ error: expect.objectContaining({ code: "BAD_REQUEST", field: "tenant" }) });
  });

  it("lists invoices and standing over GraphQL to the owner only, and lets the owner change plan from today on", async () => {
    const result = await h.graphql(`{ invoices(tenant: "hu-tieu-nam-vang") { number status totalVnd vatRatePercent pdfUrl lines { code quantity amountVnd } } billingStanding(tenant: "hu-tieu-nam-vang") { state } }`, {}, ownerToken);
    expect(result.errors).toBeUndefined();
    expect(result.data.invoices).toEqual([
      { number, status: "issued", totalVnd: Math.round(3 * 449_000 * 1.1), vatRatePercent: 10, pdfUrl: `/billing/invoices/${number}.pdf`, lines: [{ code: "locations", quantity: "3", amountVnd: 3 * 449_000 }, { code: "orders", quantity: "0", amountVnd: 0 }] },
    ]);
    expect(result.data.billingStanding).toEqual({ state: "current" });
    const denied = await h.graphql(`{ invoices(tenant: "hu-tieu-nam-vang") { number } }`, {}, strangerToken);
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const changed = await h.graphql(`mutation { changePlan(tenant: "hu-tieu-nam-vang", plan: "chain") }`, {}, ownerToken);
    expect(changed.data).toEqual({ changePlan: true });
    const { rows } = await h.db.pool.query(`select plan, effective_on::text from billing.subscription_changes where tenant_slug = 'hu-tieu-nam-vang' order by effective_on desc limit 1`);
    // From tomorrow (Vietnamese time): today stays on the plan it is being billed on.
    expect(rows[0]).toEqual({ plan: "chain", effective_on: new Date(Date.now() + 7 * 3_600_000 + 86_400_000).toISOString().slice(0, 10) });
    // The service follows what is paid for: the Tenant now runs on chain.
    expect((await h.cp.registry.get("hu-tieu-nam-vang"))?.spec.plan).toBe("chain");
    // Ending the service is not a billing switch an owner makes here.
    const cancelled = await h.graphql(`mutation { changePlan(tenant: "hu-tieu-nam-vang", plan: "cancelled") }`, {}, ownerToken);
    expect(cancelled.errors?.[0]?.extensions).toMatchObject({ code: "BAD_REQUEST", field: "plan" });
    // A dedicated Tenant cannot be billed as a shared one, and nothing is recorded for it.
    const cheaper = await h.graphql(`mutation { changePlan(tenant: "com-tam-rieng", plan: "starter") }`, {}, ownerToken);
    expect(cheaper.errors?.[0]).toMatchObject({ message: expect.stringMatching(/dedicated/), extensions: { code: "BAD_REQUEST", field: "plan" } });
    expect((await h.db.pool.query(`select plan from billing.subscription_changes where tenant_slug = 'com-tam-rieng' and plan = 'starter'`)).rowCount).toBe(0);
    expect((await h.cp.registry.get("com-tam-rieng"))?.spec.plan).toBe("chain");
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const sameDay = await h.graphql(`mutation($d: String!) { changePlan(tenant: "hu-tieu-nam-vang", plan: "starter", effectiveOn: $d) }`, { d: today }, ownerToken);
    expect(sameDay.errors?.[0]?.extensions).toMatchObject({ code: "BAD_REQUEST", field: "effectiveOn" });
    const backdated = await h.graphql(`mutation { changePlan(tenant: "hu-tieu-nam-vang", plan: "starter", effectiveOn: "2026-10-15") }`, {}, ownerToken);
    expect(backdated.errors?.[0]?.extensions).toMatchObject({ code: "BAD_REQUEST", field: "effectiveOn" });
    const unknown = await h.graphql(`mutation { changePlan(tenant: "hu-tieu-nam-vang", plan: "gold") }`, {}, ownerToken);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: "BAD_REQUEST", field: "plan" });
  });

  it("answers the owner's rollup over the control plane's GraphQL", async () => {
    const result = await h.graphql(`{ ownerRollup(from: "2026-10-01", to: "2026-10-31", grain: MONTH) { total { revenueVnd orders averageTicketVnd } tenants { tenantSlug } } }`, {}, ownerToken);
    expect(result.errors).toBeUndefined();
    expect(result.data.ownerRollup).toEqual({ total: { revenueVnd: 4_500_000, orders: 60, averageTicketVnd: 75_000 }, tenants: [{ tenantSlug: "hu-tieu-nam-vang" }] });
    const ops = await h.graphql(`{ platformCellHealth { cell } }`, {}, ownerToken);
    expect(ops.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
