// The local platform with Redis turned off (ADR 0540): a demo tenant answers through the router,
// its owner signs in by OTP from the in-memory dev outbox, and a sale reaches a socket client of
// the cell's single API process. REDIS_URL is set in tests, so this also proves "off" wins.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import type { SaleEvent } from "../cell/realtime/events.js";
import { graphql, loginByOtp, socketVia, type Session } from "../e2e/clients.js";
import { eventually, viaRouter } from "../e2e/platform.js";
import { demoTenants } from "./demo.js";
import type { LocalPlatform } from "./platform.js";
import { SINGLE_PROCESS_FALLBACKS } from "./redis-choice.js";
import { startTestPlatform, type TestPlatform } from "./testing.js";

interface Condition {
  type: string;
  status: string;
  reason?: string;
}
const conditions = (object: { status?: unknown } | undefined) => ((object?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);

describe("Given the local platform started with Redis turned off", () => {
  let test: TestPlatform;
  let platform: LocalPlatform;
  const progress: string[] = [];
  const demo = demoTenants().find((t) => (t.spec as { isolation?: string }).isolation === "shared")!;
  const slug = (demo.spec as { slug: string }).slug;
  const ownerPhone = (demo.spec as { owner: { phone: string } }).owner.phone;
  const host = `${slug}.localhost`;
  let session: Session;

  beforeAll(async () => {
    expect(process.env.REDIS_URL).toBeDefined();
    test = await startTestPlatform("single", { redis: "off", progress: (line) => progress.push(line) });
    platform = test.platform;
  }, 120_000);

  afterAll(async () => {
    await test?.stop();
  }, 60_000);

  it("says it runs without Redis, why, and which single-process fallbacks stand in", async () => {
    expect(platform.redisUrl).toBeUndefined();
    expect(platform.singleProcess).toEqual({ reason: "Redis turned off (--no-redis or LSP_REDIS=off)", fallbacks: SINGLE_PROCESS_FALLBACKS });
    expect(progress[0]).toMatch(/^starting Postgres \(no Redis: Redis turned off/);
    const ready = await viaRouter(platform.routerUrl, "app.localhost", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", postgres: "ok", redis: "not used (single-process mode)" });
  });

  it("serves a demo tenant through the router from a cell running without Redis", async () => {
    expect(await platform.apply(demo)).toBe("created");
    const tenant = await eventually(`${slug} Ready`, async () => {
      const t = await platform.store.get("Tenant", slug);
      return conditions(t).some((c) => c.type === "Ready" && c.status === "True") ? t : undefined;
    }, 90_000);
    expect((await viaRouter(platform.routerUrl, host, "/healthz")).status).toBe(200);

    const cell = await platform.store.get("Cell", (tenant.status as { cell: string }).cell);
    expect(conditions(cell).find((c) => c.type === "RedisReady")).toMatchObject({ status: "False", reason: "Disabled" });
    // The cell process itself reports no Redis check: it was started without REDIS_URL.
    const cellReady = (await (await fetch(`${(cell!.status as { endpoint: string }).endpoint}/readyz`)).json()) as { checks: Record<string, string> };
    expect(cellReady.checks).toEqual({ postgres: "ok" });
  }, 120_000);

  it("signs the owner in by OTP through the in-memory dev outbox, once per code", async () => {
    session = await loginByOtp(platform.routerUrl, ownerPhone);
    const me = await graphql<{ me: { phone: string } }>(platform.routerUrl, "app.localhost", session.accessToken, "{ me { phone } }");
    expect(me.data?.me.phone).toBe(ownerPhone);
    // The code just used is gone: a replay is refused, as with Redis.
    const outbox = await viaRouter(platform.routerUrl, "app.localhost", `/dev/sms-outbox?phone=${encodeURIComponent(ownerPhone)}&limit=1`);
    const code = /\b(\d{6})\b/.exec(outbox.json<{ messages: { text: string }[] }>().messages[0]!.text)![1];
    const replay = await viaRouter(platform.routerUrl, "app.localhost", "/auth/otp/verify", { body: { phone: ownerPhone, code } });
    expect(replay.status).toBe(401);
    expect(replay.json<{ error: { code: string } }>().error.code).toBe("OTP_EXPIRED");
  }, 30_000);

  it("pushes a sale to a socket client of the cell's single API process", async () => {
    const q = <T,>(query: string, variables: Record<string, unknown> = {}) => graphql<T>(platform.routerUrl, host, session.accessToken, query, variables);
    const locations = await q<{ locations: { id: string }[] }>("{ locations { id } }");
    expect(locations.errors).toBeUndefined();
    const locationId = locations.data!.locations[0]!.id;
    const category = await q<{ createMenuCategory: { id: string } }>("mutation { createMenuCategory(input: { name: \"Phở\" }) { id } }");
    const item = await q<{ createMenuItem: { id: string } }>("mutation($c: ID!) { createMenuItem(input: { categoryId: $c, name: \"Phở tái\", priceVnd: 55000 }) { id } }", { c: category.data!.createMenuCategory.id });
    expect(item.errors).toBeUndefined();

    const socket = socketVia(platform.routerUrl, host, session.accessToken);
    try {
      const sales: SaleEvent[] = [];
      socket.on("sale", (event: SaleEvent) => sales.push(event));
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      });
      expect((await socket.timeout(5_000).emitWithAck("subscribe", { locationId })).ok).toBe(true);
      const sold = await q("mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { totalVnd } } }", {
        i: { locationId, idempotencyKey: randomUUID(), channel: "DINE_IN", paymentMethod: "CASH", lines: [{ menuItemId: item.data!.createMenuItem.id, quantity: 2 }] },
      });
      expect(sold.errors).toBeUndefined();
      await eventually("the sale on the socket", async () => sales.length >= 1, 5_000);
      expect(sales).toHaveLength(1);
      expect(sales[0]).toMatchObject({ locationId, totalVnd: 110_000 });
    } finally {
      socket.close();
    }
  }, 60_000);
});
