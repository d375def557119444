// The control plane's GraphQL and billing endpoints as the owner console uses them (same origin).
import { graphql } from "../../shared/graphql.js";
import { ApiError, loadSession, saveSession } from "../../shared/session.js";

const cp = <T>(query: string, variables?: Record<string, unknown>) =>
  graphql<T>("/graphql", query, variables);

export interface TenantStatus {
  phase: string;
  ready: boolean;
  url: string | null;
  conditions: { type: string; status: string; reason: string | null; message: string | null }[] | null;
}
export interface TenantSummary {
  slug: string;
  displayName: string;
  plan: string;
  myRole: string;
  status: TenantStatus | null;
}
export type Plan = "STARTER" | "GROWTH" | "CHAIN";

const TENANT_FIELDS = `slug displayName plan myRole status { phase ready url conditions { type status reason message } }`;

export async function myTenants(): Promise<TenantSummary[]> {
  return (await cp<{ myTenants: TenantSummary[] }>(`{ myTenants { ${TENANT_FIELDS} } }`)).myTenants;
}

export async function tenant(slug: string): Promise<TenantSummary | null> {
  return (
    await cp<{ tenant: TenantSummary | null }>(
      `query($s: String!) { tenant(slug: $s) { ${TENANT_FIELDS} } }`,
      { s: slug },
    )
  ).tenant;
}

export async function slugAvailability(
  slug: string,
): Promise<{ available: boolean; message: string | null }> {
  return (
    await cp<{ slugAvailability: { available: boolean; message: string | null } }>(
      `query($s: String!) { slugAvailability(slug: $s) { available message } }`,
      { s: slug },
    )
  ).slugAvailability;
}

export async function signupTenant(input: {
  slug: string;
  displayName: string;
  ownerName: string;
  plan: Plan;
  locations: { name: string }[];
}): Promise<TenantSummary> {
  const data = await cp<{ signupTenant: { accessToken: string; tenant: TenantSummary } }>(
    `mutation($i: SignupTenantInput!) { signupTenant(input: $i) { accessToken tenant { ${TENANT_FIELDS} } } }`,
    { i: input },
  );
  // The new token carries the owner membership: later calls (and the tenant's own app) need it.
  const session = loadSession();
  if (session) saveSession({ ...session, accessToken: data.signupTenant.accessToken });
  return data.signupTenant.tenant;
}

export interface Figures {
  revenueVnd: number;
  orders: number;
  averageTicketVnd: number;
}
export interface OwnerRollup {
  total: Figures & {
    topItems: { itemName: string; quantity: number; revenueVnd: number; tenantSlug: string }[];
  };
  periods: (Figures & { periodStart: string })[];
  tenants: {
    tenantSlug: string;
    total: Figures;
    locations: { locationId: string; locationName: string; total: Figures }[];
  }[];
}

export async function ownerRollup(from: string, to: string): Promise<OwnerRollup | null> {
  const data = await cp<{ ownerRollup: OwnerRollup | null }>(
    `query($from: String!, $to: String!) { ownerRollup(from: $from, to: $to, grain: DAY, periodTopItems: false, topItems: 5) {
       total { revenueVnd orders averageTicketVnd topItems { itemName quantity revenueVnd tenantSlug } }
       periods { periodStart revenueVnd orders averageTicketVnd }
       tenants { tenantSlug total { revenueVnd orders averageTicketVnd } locations { locationId locationName total { revenueVnd orders averageTicketVnd } } } } }`,
    { from, to },
  );
  return data.ownerRollup;
}

export interface StaffView {
  staff: { userId: string; name: string | null; phone: string; role: string; allLocations: boolean }[];
  invites: { id: string; phone: string; role: string; status: string; expiresAt: string }[];
}

export async function staffOf(slug: string): Promise<StaffView> {
  const data = await cp<{ tenant: StaffView | null }>(
    `query($s: String!) { tenant(slug: $s) { staff { userId name phone role allLocations } invites(pending: true) { id phone role status expiresAt } } }`,
    { s: slug },
  );
  return data.tenant ?? { staff: [], invites: [] };
}

export async function inviteStaff(slug: string, phone: string, role: "STAFF" | "MANAGER"): Promise<void> {
  await cp(`mutation($i: InviteStaffInput!) { inviteStaff(input: $i) { id } }`, {
    i: { tenantSlug: slug, phone, role },
  });
}

export interface InvoiceSummary {
  number: string;
  period: string;
  status: string;
  totalVnd: number;
  paidVnd: number;
  dueOn: string | null;
  csv: string;
  pdf: string;
}

async function authorizedFetch(path: string): Promise<Response> {
  const reply = await fetch(path, {
    headers: { authorization: `Bearer ${loadSession()?.accessToken ?? ""}` },
  });
  if (!reply.ok) {
    const body = (await reply.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new ApiError(
      body.error?.message ?? `the server answered ${reply.status}`,
      body.error?.code ?? `HTTP_${reply.status}`,
    );
  }
  return reply;
}

export async function invoices(slug: string): Promise<InvoiceSummary[]> {
  return (
    (await (await authorizedFetch(`/billing/invoices?tenant=${encodeURIComponent(slug)}`)).json()) as {
      invoices: InvoiceSummary[];
    }
  ).invoices;
}

/** Invoice files need the Bearer token, so they are fetched and handed to the browser as a download. */
export async function downloadInvoice(path: string, filename: string): Promise<void> {
  const blob = await (await authorizedFetch(path)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
