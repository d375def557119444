// Gets a tenant ready to be loaded: an owner signed in (OTP read from the development SMS outbox),
// a Tenant created by self-serve signup (which also grants the owner membership), its cell ready
// and routed, and one menu item to sell. Or, for an existing tenant, finds a location and a menu
// item with a token the operator supplies.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { callJson, graphql } from "./http.js";

export interface LoadTarget {
  /** The tenant's URL through the router. */
  tenantUrl: string;
  accessToken: string;
  locationId: string;
  menuItemId: string;
}

export interface SignupOptions {
  /** The control plane through the router, e.g. http://app.localhost:8080. */
  controlPlaneUrl: string;
  slug: string;
  /** Where the tenant will be served: (slug) => URL. */
  tenantUrl: (slug: string) => string;
  readyTimeoutMs?: number;
}

/** A random Vietnamese mobile number: load-test owners never collide with people. */
export function randomPhone(): string {
  return `+849${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, "0")}`;
}

export async function signIn(controlPlaneUrl: string, phone: string): Promise<string> {
  const requested = await callJson<{ phone?: string }>(controlPlaneUrl, "/auth/otp/request", { body: { phone } });
  if (requested.status !== 202) throw new Error(`OTP request for ${phone} failed (${requested.status}): ${JSON.stringify(requested.body)}`);
  const outbox = await callJson<{ messages?: { text: string }[] }>(controlPlaneUrl, `/dev/sms-outbox?phone=${encodeURIComponent(phone)}&limit=1`);
  const code = /(\d{6})/.exec(outbox.body.messages?.[0]?.text ?? "")?.[1];
  if (!code) throw new Error(`no OTP in the development SMS outbox for ${phone} (${outbox.status}); is the control plane running with SMS_PROVIDER=outbox?`);
  const verified = await callJson<{ accessToken?: string }>(controlPlaneUrl, "/auth/otp/verify", { body: { phone, code } });
  if (verified.status !== 200 || !verified.body.accessToken) throw new Error(`OTP verify failed (${verified.status}): ${JSON.stringify(verified.body)}`);
  return verified.body.accessToken;
}

export async function signupTenant(options: SignupOptions): Promise<LoadTarget> {
  const token = await signIn(options.controlPlaneUrl, randomPhone());
  const signup = await graphql<{ signupTenant: { accessToken: string } }>(
    options.controlPlaneUrl,
    `mutation($i: SignupTenantInput!) { signupTenant(input: $i) { created accessToken } }`,
    { i: { slug: options.slug, displayName: `Load test ${options.slug}`, ownerName: "k6", locations: [{ name: "Quầy chính" }] } },
    token,
  );
  const ownerToken = signup.signupTenant.accessToken;
  const tenantUrl = options.tenantUrl(options.slug);
  const locationId = await waitForLocation(tenantUrl, ownerToken, options.readyTimeoutMs ?? 90_000);
  const menuItemId = await createMenuItem(tenantUrl, ownerToken);
  return { tenantUrl, accessToken: ownerToken, locationId, menuItemId };
}

/** Existing tenant: the first location and the first available menu item the token can see. */
export async function describeTenant(tenantUrl: string, accessToken: string): Promise<LoadTarget> {
  const data = await graphql<{ locations: { id: string }[]; menuItems: { id: string; available: boolean }[] }>(
    tenantUrl,
    `{ locations { id } menuItems { id available } }`,
    {},
    accessToken,
  );
  const locationId = data.locations[0]?.id;
  const menuItemId = data.menuItems.find((i) => i.available)?.id;
  if (!locationId) throw new Error(`${tenantUrl}: the token sees no location; give a token with a membership for this tenant`);
  if (!menuItemId) throw new Error(`${tenantUrl}: the tenant has no available menu item to sell; create one first`);
  return { tenantUrl, accessToken, locationId, menuItemId };
}

// The cell answers once the operator has provisioned the tenant and the router has its route.
async function waitForLocation(tenantUrl: string, token: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const reply = await callJson<{ data?: { locations: { id: string }[] }; errors?: unknown }>(tenantUrl, "/graphql", { body: { query: "{ locations { id } }" }, token });
      const id = reply.body?.data?.locations[0]?.id;
      if (id) return id;
      last = `${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${tenantUrl} did not serve the tenant's location within ${timeoutMs} ms (last answer: ${last})`);
}

async function createMenuItem(tenantUrl: string, token: string): Promise<string> {
  const category = await graphql<{ createMenuCategory: { id: string } }>(tenantUrl, `mutation($i: MenuCategoryInput!) { createMenuCategory(input: $i) { id } }`, { i: { name: "Phở" } }, token);
  const item = await graphql<{ createMenuItem: { id: string } }>(
    tenantUrl,
    `mutation($i: MenuItemInput!) { createMenuItem(input: $i) { id } }`,
    { i: { categoryId: category.createMenuCategory.id, name: "Phở bò tái", priceVnd: 55_000 } },
    token,
  );
  return item.createMenuItem.id;
}
