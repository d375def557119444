import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { startTestCell, TEST_PLATFORM_KEY, type TestCell, type TestTenant } from "../../cell/usage-feed/testing.js";
import { API_VERSION, GROUP, TENANT_PLURAL, VERSION, type Tenant } from "../../operator/api/v1alpha1/index.js";
import { freePort } from "../../scripts/services/processes.js";
import { toolPath } from "../../scripts/services/toolchain.js";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { migrateBilling } from "./migrate.js";

let db: TestDatabase;
let cell: TestCell;
let tenant: TestTenant;
let objects: CustomObjectsApi;
let worker: ChildProcess | undefined;
let metricsPort: number;
const slug = `sync-${process.pid}-${Date.now() % 100_000}`;

beforeAll(async () => {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  execFileSync(toolPath("kubectl"), [`--kubeconfig=${process.env.KUBECONFIG}`, "apply", "--server-side", "--force-conflicts", "--field-manager=lsp-billing-tests", "-f", join(import.meta.dirname, "../../crds/localstoreplatform.com_tenants.yaml")], { stdio: "pipe" });
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (let i = 0; i < 100; i++) {
    const crd = await ext.readCustomResourceDefinition({ name: `${TENANT_PLURAL}.${GROUP}` });
    if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  objects = kc.makeApiClient(CustomObjectsApi);
  db = await createTestDatabase("syncworker");
  await migrateBilling(db.pool);
  cell = await startTestCell("sync-worker");
  tenant = await cell.addTenant(slug, ["Quận Bình Thạnh"]);
  await cell.placeOrder(tenant, { locationId: tenant.locations[0]!.id, orderedAt: new Date(), lines: [{ itemId: tenant.items[2]!.id, quantity: 3 }] });
  const body: Tenant = { apiVersion: API_VERSION, kind: "Tenant", metadata: { name: slug }, spec: { slug, displayName: "Bánh cuốn", plan: "starter", owner: { phone: "+84901234568", name: "Cô Ba" }, isolation: "shared" } };
  await objects.createClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, body });
  // Plays the operator's part: the Tenant is placed on the test cell, reachable at its URL.
  await objects.patchClusterCustomObjectStatus(
    { group: GROUP, version: VERSION, plural: TENANT_PLURAL, name: slug, body: { status: { cell: cell.name, endpoint: cell.baseUrl } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
  metricsPort = await freePort();
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill("SIGTERM");
    await new Promise((r) => worker!.once("exit", r));
  }
  await objects?.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name: slug }).catch(() => {});
  await cell?.close();
  await db?.drop();
});

describe("Given the billing sync worker pointed at the cluster", () => {
  it("finds the placed Tenant, pulls its usage and daily sales from its cell, and exports the feed lag", async () => {
    worker = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "cli.ts"), "sync", "--interval", "1", "--metrics-port", String(metricsPort)], {
      env: { ...process.env, DATABASE_URL: db.url, PLATFORM_KEY: TEST_PLATFORM_KEY, LOG_LEVEL: "silent" },
      cwd: join(import.meta.dirname, "../.."),
      stdio: "ignore",
    });
    const deadline = Date.now() + 45_000;
    let orders = 0;
    let revenue = 0;
    while (Date.now() < deadline) {
      orders = (await db.pool.query<{ n: number }>(`select count(*)::int as n from billing.usage_events where tenant_slug = $1 and kind = 'order'`, [slug])).rows[0]!.n;
      revenue = Number((await db.pool.query<{ r: string | null }>(`select sum(revenue_vnd)::text as r from rollups.location_daily where tenant_slug = $1`, [slug])).rows[0]!.r ?? 0);
      if (orders > 0 && revenue > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(orders).toBe(1);
    expect(revenue).toBe(3 * tenant.items[2]!.priceVnd);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`lsp_usage_feed_lag_seconds\\{cell="${cell.name}"\\} \\d`));
    expect(metrics).toMatch(/lsp_usage_events_ingested_total\{kind="order"\} 1/);
    // The liveness probe's endpoint: the loop moved within --stall-after (default 600 s).
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, status: "syncing", stallAfterSeconds: 600 });
  }, 60_000);

  it("refuses a --stall-after no longer than --interval, naming both", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "cli.ts"), "sync", "--interval", "60", "--stall-after", "60"], {
      env: { ...process.env, DATABASE_URL: db.url, PLATFORM_KEY: TEST_PLATFORM_KEY, LOG_LEVEL: "silent" },
      cwd: join(import.meta.dirname, "../.."),
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--stall-after '60' must be a number of seconds above --interval (60)");
  }, 40_000);
});
