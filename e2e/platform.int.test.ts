// The end-to-end test of issue 5: the whole platform started locally, used the way people use it.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { apply, get, remove, type Output } from "../cli/commands.js";
import { resolveTarget, type Target } from "../cli/target.js";
import type { SaleEvent } from "../cell/realtime/events.js";
import { usageSummaries } from "../control-plane/usage/index.js";
import { graphql, loginByOtp, socketVia, type Session } from "./clients.js";
import { eventually, startE2ePlatform, viaRouter, type E2ePlatform } from "./platform.js";

const quiet: Output = { out: () => {}, err: () => {} };

function tenantManifest(slug: string, phone: string, name: string): string {
  return `apiVersion: localstoreplatform.com/v1alpha1
kind: Tenant
metadata:
  name: ${slug}
spec:
  slug: ${slug}
  displayName: "${name}"
  plan: growth
  owner: { phone: "${phone}", name: "Chủ quán" }
  locations:
    - name: "Quận 1"
`;
}

interface Dashboard {
  todayRevenue: number;
  todayOrders: number;
  topItems: { item: { name: string }; quantity: number; revenue: number }[];
}

describe("Given the whole platform started locally", () => {
  let platform: E2ePlatform;
  let target: Target;
  const a = { slug: `e2e-banh-mi-${process.pid}`, phone: "+84901110001", host: "", session: undefined as Session | undefined, locationId: "" };
  const b = { slug: `e2e-che-${process.pid}`, phone: "+84901110002", host: "", session: undefined as Session | undefined, locationId: "" };
  a.host = `${a.slug}.localhost`;
  b.host = `${b.slug}.localhost`;

  beforeAll(async () => {
    platform = await startE2ePlatform("flow");
    target = resolveTarget({ kubeconfig: platform.kubeconfig });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  async function onboard(t: typeof a, displayName: string) {
    const file = join(platform.dataDir, `${t.slug}.yaml`);
    writeFileSync(file, tenantManifest(t.slug, t.phone, displayName));
    expect(await apply(target, file, quiet)).toBe(true);
    await eventually(`${t.slug} Ready`, async () => {
      const out: string[] = [];
      await get(target, "tenant", t.slug, "json", { out: (l) => out.push(l), err: () => {} });
      const tenant = JSON.parse(out[0] ?? "{}") as { status?: { conditions?: { type: string; status: string }[] } };
      return tenant.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    }, 90_000);
  }

  it("onboards a tenant from a manifest and routes its subdomain to its cell", async () => {
    await Promise.all([onboard(a, "Bánh Mì Phượng"), onboard(b, "Chè Bưởi")]);
    expect((await viaRouter(platform.routerUrl, a.host, "/healthz")).status).toBe(200);
    const anonymous = await graphql(platform.routerUrl, a.host, undefined, "{ locations { id } }");
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const unknown = await viaRouter(platform.routerUrl, `nobody-${process.pid}.localhost`, "/graphql");
    expect(unknown.status).toBe(404);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe("ROUTER_ERR_UNKNOWN_TENANT");
  }, 150_000);

  it("lets the owner log in by OTP and use the cell through the router", async () => {
    a.session = await loginByOtp(platform.routerUrl, a.phone);
    b.session = await loginByOtp(platform.routerUrl, b.phone);
    const locations = await graphql<{ locations: { id: string; name: string }[] }>(platform.routerUrl, a.host, a.session.accessToken, "{ locations { id name } }");
    expect(locations.errors).toBeUndefined();
    expect(locations.data!.locations.map((l) => l.name)).toEqual(["Quận 1"]);
    a.locationId = locations.data!.locations[0]!.id;
    const bLocations = await graphql<{ locations: { id: string }[] }>(platform.routerUrl, b.host, b.session.accessToken, "{ locations { id } }");
    b.locationId = bLocations.data!.locations[0]!.id;
  }, 60_000);

  it("records menu and sales, pushes each sale to a socket client, and keeps the dashboard exact", async () => {
    const token = a.session!.accessToken;
    const q = <T,>(query: string, variables: Record<string, unknown> = {}) => graphql<T>(platform.routerUrl, a.host, token, query, variables);
    const category = await q<{ createMenuCategory: { id: string } }>("mutation($n: String!) { createMenuCategory(input: { name: $n }) { id } }", { n: "Bánh mì" });
    expect(category.errors).toBeUndefined();
    const categoryId = category.data!.createMenuCategory.id;
    const items: Record<string, string> = {};
    for (const [name, price] of [["Bánh mì thịt", 35_000], ["Bánh mì trứng", 25_000]] as const) {
      const item = await q<{ createMenuItem: { id: string } }>("mutation($c: ID!, $n: String!, $p: Vnd!) { createMenuItem(input: { categoryId: $c, name: $n, priceVnd: $p }) { id } }", { c: categoryId, n: name, p: price });
      expect(item.errors).toBeUndefined();
      items[name] = item.data!.createMenuItem.id;
    }

    const socket = socketVia(platform.routerUrl, a.host, token);
    const sales: SaleEvent[] = [];
    socket.on("sale", (event: SaleEvent) => sales.push(event));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    const subscribed = await socket.timeout(5_000).emitWithAck("subscribe", { locationId: a.locationId });
    expect(subscribed.ok).toBe(true);

    const sell = (key: string, lines: [string, number][]) =>
      q<{ createOrder: { order: { totalVnd: number } } }>(
        "mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { totalVnd } } }",
        { i: { locationId: a.locationId, idempotencyKey: key, channel: "DINE_IN", paymentMethod: "CASH", lines: lines.map(([name, quantity]) => ({ menuItemId: items[name], quantity })) } },
      );
    const first = randomUUID();
    for (const [key, lines] of [[first, [["Bánh mì thịt", 2]]], [randomUUID(), [["Bánh mì trứng", 1], ["Bánh mì thịt", 1]]], [first, [["Bánh mì thịt", 2]]]] as [string, [string, number][]][]) {
      const sold = await sell(key, lines);
      expect(sold.errors).toBeUndefined();
    }
    await eventually("two sale events on the socket", async () => sales.length >= 2, 5_000);
    socket.close();
    expect(sales.map((s) => s.totalVnd).sort()).toEqual([60_000, 70_000]);
    expect(sales.every((s) => s.locationId === a.locationId)).toBe(true);

    const dashboard = await q<{ location: Dashboard }>("query($id: ID!) { location(id: $id) { todayRevenue todayOrders topItems(limit: 5) { item { name } quantity revenue } } }", { id: a.locationId });
    expect(dashboard.errors).toBeUndefined();
    expect(dashboard.data!.location.todayRevenue).toBe(130_000); // the retried sale counted once
    expect(dashboard.data!.location.todayOrders).toBe(2);
    expect(dashboard.data!.location.topItems[0]).toEqual({ item: { name: "Bánh mì thịt" }, quantity: 3, revenue: 105_000 });
  }, 60_000);

  it("gives the owner ML recommendations to approve or dismiss", async () => {
    const token = a.session!.accessToken;
    const refreshed = await graphql<{ refreshRecommendations: { id: string; kind: string; title: string; status: string }[] }>(
      platform.routerUrl, a.host, token, "mutation($l: ID!) { refreshRecommendations(locationId: $l) { id kind title status } }", { l: a.locationId },
    );
    expect(refreshed.errors).toBeUndefined();
    const advice = refreshed.data!.refreshRecommendations;
    expect(advice.length).toBeGreaterThan(0);
    expect(advice.every((r) => r.status === "PENDING" && r.title.length > 0)).toBe(true);
    const again = await graphql<{ refreshRecommendations: { id: string }[] }>(platform.routerUrl, a.host, token, "mutation($l: ID!) { refreshRecommendations(locationId: $l) { id } }", { l: a.locationId });
    expect(again.data!.refreshRecommendations.map((r) => r.id).sort()).toEqual(advice.map((r) => r.id).sort()); // no duplicates
    const decided = await graphql<{ decideRecommendation: { status: string } }>(platform.routerUrl, a.host, token, "mutation($id: ID!) { decideRecommendation(id: $id, decision: APPROVED) { status } }", { id: advice[0]!.id });
    expect(decided.data?.decideRecommendation.status).toBe("APPROVED");
  }, 60_000);

  it("shows the owner's sales in the control plane's rollup and meters the usage", async () => {
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10); // Vietnamese day
    const rollup = await eventually("the rollup to include the sales", async () => {
      const reply = await graphql<{ ownerRollup: { total: { revenueVnd: number; orders: number } } }>(
        platform.routerUrl, "app.localhost", a.session!.accessToken,
        "query($d: String!, $t: [String!]) { ownerRollup(from: $d, to: $d, tenants: $t) { total { revenueVnd orders } } }",
        { d: today, t: [a.slug] },
      );
      const total = reply.data?.ownerRollup?.total;
      return total && total.orders === 2 ? total : undefined;
    }, 30_000);
    expect(rollup).toEqual({ revenueVnd: 130_000, orders: 2 });
    const usage = await eventually("metered usage", async () => {
      const [summary] = await usageSummaries(platform.admin, new Date(Date.now() - 86_400_000), new Date(Date.now() + 86_400_000), [a.slug]);
      return summary && summary.orders === 2 ? summary : undefined;
    }, 30_000);
    expect(usage.gmvVnd).toBe(130_000n);
  }, 60_000);

  it("never lets one tenant's token or ids reach another tenant's data", async () => {
    const foreign = await graphql(platform.routerUrl, b.host, a.session!.accessToken, "{ locations { id } }");
    expect(foreign.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const byId = await graphql(platform.routerUrl, b.host, b.session!.accessToken, "query($id: ID!) { location(id: $id) { todayRevenue } }", { id: a.locationId });
    expect(byId.data).toBeFalsy();
    expect(byId.errors?.length).toBeGreaterThan(0);
    const bDashboard = await graphql<{ location: Dashboard }>(platform.routerUrl, b.host, b.session!.accessToken, "query($id: ID!) { location(id: $id) { todayRevenue todayOrders } }", { id: b.locationId });
    expect(bDashboard.data!.location).toEqual({ todayRevenue: 0, todayOrders: 0 });
  }, 30_000);

  it("removes the tenant's route and data when it is deleted", async () => {
    expect(await remove(target, "tenant", [a.slug], undefined, quiet)).toBe(true);
    await eventually("the tenant gone from the API", async () => !(await get(target, "tenant", a.slug, "json", quiet)), 30_000);
    const after = await viaRouter(platform.routerUrl, a.host, "/graphql");
    expect(after.status).toBe(404);
    const rows = await platform.admin.query<{ status: string }>(`select status from cell_shared_1.tenants where slug = $1`, [a.slug]);
    expect(rows.rows.map((r) => r.status)).toEqual(["archived"]);
    expect((await viaRouter(platform.routerUrl, b.host, "/healthz")).status).toBe(200);
  }, 60_000);
});
