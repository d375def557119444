// Setting the stage for browser tests on the local platform: owners signed in by OTP from the
// development SMS outbox, a tenant signed up and Ready, a menu to sell from.
import { KubeConfig } from "@kubernetes/client-node";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kubernetesTargets, syncRound } from "../../control-plane/rollups/index.js";
import { eventually, viaRouter, type E2ePlatform } from "../../e2e/platform.js";

/** A random Vietnamese mobile number, so test users never collide. */
export function randomPhone(): string {
  return `+849${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, "0")}`;
}

async function postJson<T>(url: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<T> {
  const reply = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  const json = (await reply.json()) as T;
  if (!reply.ok) throw new Error(`${url} answered ${reply.status}: ${JSON.stringify(json)}`);
  return json;
}

/** The newest OTP texted to `phone` that was sent after `since` (ISO time). */
export async function latestOtp(platform: E2ePlatform, phone: string, since: string): Promise<string> {
  return eventually(
    `an OTP for ${phone} in the SMS outbox`,
    async () => {
      const reply = await fetch(
        `${platform.controlPlaneUrl}/dev/sms-outbox?phone=${encodeURIComponent(phone)}&limit=5`,
      );
      const { messages } = (await reply.json()) as { messages: { text: string; sentAt: string }[] };
      const fresh = messages
        .filter((m) => m.sentAt >= since)
        .sort((a, b) => b.sentAt.localeCompare(a.sentAt))[0];
      return fresh ? /(\d{6})/.exec(fresh.text)?.[1] : undefined;
    },
    10_000,
  );
}

export async function signInByOtp(platform: E2ePlatform, phone: string): Promise<string> {
  return (await sessionByOtp(platform, phone)).accessToken;
}

/**
 * A session of its own for `phone`, as another device would start one. `fromAddress`: the
 * client address the control plane sees (it trusts X-Forwarded-For locally), so this sign-in
 * does not share a resend cooldown with the browser's.
 */
export async function sessionByOtp(
  platform: E2ePlatform,
  phone: string,
  fromAddress?: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const since = new Date(Date.now() - 1000).toISOString();
  const headers: Record<string, string> = fromAddress ? { "x-forwarded-for": fromAddress } : {};
  await postJson(`${platform.controlPlaneUrl}/auth/otp/request`, { phone }, undefined, headers);
  const code = await latestOtp(platform, phone, since);
  return postJson<{ accessToken: string; refreshToken: string }>(
    `${platform.controlPlaneUrl}/auth/otp/verify`,
    { phone, code },
    undefined,
    headers,
  );
}

export async function controlPlaneGraphql<T>(
  platform: E2ePlatform,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<T> {
  const reply = await postJson<{ data?: T; errors?: unknown[] }>(
    `${platform.controlPlaneUrl}/graphql`,
    { query, variables },
    token,
  );
  if (reply.errors?.length || !reply.data)
    throw new Error(`control plane GraphQL failed: ${JSON.stringify(reply.errors)}`);
  return reply.data;
}

export async function cellGraphql<T>(
  platform: E2ePlatform,
  slug: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<T> {
  const reply = await viaRouter(platform.routerUrl, `${slug}.localhost`, "/graphql", {
    body: { query, variables },
    headers: { authorization: `Bearer ${token}` },
  });
  const body = reply.json<{ data?: T; errors?: unknown[] }>();
  if (body.errors?.length || !body.data)
    throw new Error(`cell GraphQL at ${slug} failed (${reply.status}): ${JSON.stringify(body.errors)}`);
  return body.data;
}

export interface ReadyTenant {
  slug: string;
  ownerPhone: string;
  ownerToken: string;
  locationId: string;
  items: { id: string; name: string; priceVnd: number }[];
}

/** Signs an owner up for `slug`, waits until the cell serves it, and puts two dishes and a drink on the menu. */
export async function readyTenantWithMenu(platform: E2ePlatform, slug: string): Promise<ReadyTenant> {
  const ownerPhone = randomPhone();
  const token = await signInByOtp(platform, ownerPhone);
  const signup = await controlPlaneGraphql<{ signupTenant: { accessToken: string } }>(
    platform,
    `mutation($i: SignupTenantInput!) { signupTenant(input: $i) { accessToken } }`,
    { i: { slug, displayName: "Phở Bò Hà Nội", ownerName: "Chị Lan", locations: [{ name: "Quận 1" }] } },
    token,
  );
  const ownerToken = signup.signupTenant.accessToken;
  const locationId = await eventually(
    `${slug} served by its cell`,
    async () =>
      (
        await cellGraphql<{ locations: { id: string }[] }>(
          platform,
          slug,
          `{ locations { id } }`,
          {},
          ownerToken,
        )
      ).locations[0]?.id,
    90_000,
  );
  const items = await addMenu(platform, slug, ownerToken);
  return { slug, ownerPhone, ownerToken, locationId, items };
}

/** The owner invites `phone` (staff or manager); resolves with the invite code texted to that phone. */
export async function inviteStaff(
  platform: E2ePlatform,
  tenant: ReadyTenant,
  phone: string,
  role: "STAFF" | "MANAGER" = "STAFF",
): Promise<string> {
  const since = new Date(Date.now() - 1000).toISOString();
  await controlPlaneGraphql(
    platform,
    `mutation($i: InviteStaffInput!) { inviteStaff(input: $i) { id } }`,
    { i: { tenantSlug: tenant.slug, phone, role } },
    tenant.ownerToken,
  );
  return eventually(
    `an invite for ${phone} in the SMS outbox`,
    async () => {
      const reply = await fetch(
        `${platform.controlPlaneUrl}/dev/sms-outbox?phone=${encodeURIComponent(phone)}&limit=5`,
      );
      const { messages } = (await reply.json()) as { messages: { text: string; sentAt: string }[] };
      return messages
        .filter((m) => m.sentAt >= since)
        .map((m) => /ma moi (\S+)/.exec(m.text)?.[1])
        .find(Boolean);
    },
    10_000,
  );
}

/** Two dishes and a drink under one category. */
export async function addMenu(
  platform: E2ePlatform,
  slug: string,
  token: string,
): Promise<ReadyTenant["items"]> {
  const { createMenuCategory } = await cellGraphql<{ createMenuCategory: { id: string } }>(
    platform,
    slug,
    `mutation($i: MenuCategoryInput!) { createMenuCategory(input: $i) { id } }`,
    { i: { name: "Món chính" } },
    token,
  );
  const items = [];
  for (const [name, priceVnd] of [
    ["Phở bò tái", 55_000],
    ["Bún chả", 45_000],
    ["Trà đá", 5_000],
  ] as const) {
    const { createMenuItem } = await cellGraphql<{ createMenuItem: { id: string } }>(
      platform,
      slug,
      `mutation($i: MenuItemInput!) { createMenuItem(input: $i) { id } }`,
      { i: { categoryId: createMenuCategory.id, name, priceVnd } },
      token,
    );
    items.push({ id: createMenuItem.id, name, priceVnd });
  }
  return items;
}

/** Records sales through the cell's API, then runs the control plane's usage and daily-sales sync round now (the platform runs it every 30 s). */
export async function sellAndSync(
  platform: E2ePlatform,
  slug: string,
  token: string,
  sales: { itemIndex: number; quantity: number }[][],
): Promise<void> {
  const { locations } = await cellGraphql<{ locations: { id: string }[] }>(
    platform,
    slug,
    `{ locations { id } }`,
    {},
    token,
  );
  const items = await addMenu(platform, slug, token);
  for (const lines of sales) {
    await cellGraphql(
      platform,
      slug,
      `mutation($i: CreateOrderInput!) { createOrder(input: $i) { orderId } }`,
      {
        i: {
          locationId: locations[0]!.id,
          idempotencyKey: randomUUID(),
          channel: "DINE_IN",
          paymentMethod: "CASH",
          lines: lines.map((l) => ({ menuItemId: items[l.itemIndex]!.id, quantity: l.quantity })),
        },
      },
      token,
    );
  }
  const { platformKey } = JSON.parse(readFileSync(join(platform.dataDir, "secrets.json"), "utf8")) as {
    platformKey: string;
  };
  const kc = new KubeConfig();
  kc.loadFromFile(platform.kubeconfig);
  const round = await syncRound({ pool: platform.admin, platformKey, targets: kubernetesTargets(kc) });
  if (!round.synced.includes(slug))
    throw new Error(`the sync round did not sync ${slug}: ${JSON.stringify(round.failed)}`);
}

/**
 * Stores a pending recommendation in the tenant's cell schema, as the ML pod's writer would, so
 * the dashboard has something to approve or dismiss without waiting for a model run.
 */
export async function addRecommendation(
  platform: E2ePlatform,
  slug: string,
  locationId: string,
  title: string,
  body: string,
): Promise<void> {
  const { rows: schemas } = await platform.admin.query<{ table_schema: string }>(
    `select table_schema from information_schema.tables where table_name = 'recommendations'`,
  );
  for (const { table_schema: schema } of schemas) {
    const quoted = `"${schema.replace(/"/g, '""')}"`;
    const { rows } = await platform.admin
      .query<{ id: string }>(`select id from ${quoted}.tenants where slug = $1`, [slug])
      .catch(() => ({ rows: [] as { id: string }[] }));
    if (!rows[0]) continue;
    await platform.admin.query(
      `insert into ${quoted}.recommendations (tenant_id, location_id, kind, title, body, payload) values ($1, $2, 'prep', $3, $4, '{}')`,
      [rows[0].id, locationId, title, body],
    );
    return;
  }
  throw new Error(`no cell schema holds tenant ${slug}`);
}
