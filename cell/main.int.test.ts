// cell/main.ts as the operator and local platform run it: a process configured by env.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { freePort, startProcess, waitUntil, type ServiceProcess } from "../scripts/services/processes.js";
import { provisionTenant } from "./provisioning/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "./testing/database.js";
import { createTokenIssuer, ROUTER_SIGNING_KEY, routerHeaders } from "./testing/identity.js";

const root = resolve(import.meta.dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
const run = promisify(execFile);
// A cell in the middle of a rotation of both keys, as the operator configures it then.
const ROUTER_SIGNING_KEY_PREVIOUS = "previous-router-signing-key-0123456789";
const PLATFORM_KEY = "platform-key-of-the-main-cell-0123";
const PLATFORM_KEY_PREVIOUS = "previous-platform-key-of-the-main-cell";

/** The test run may export REDIS_URL; this process is meant to run without a cache. */
function withoutRedis(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL: _ignored, ...rest } = env;
  return rest;
}

describe("Given cell/main.ts started with the cell role's environment", () => {
  let db: TestCellDatabase;
  let cellProcess: ServiceProcess;
  let base: string;
  let token: string;
  const stateDir = join(root, ".lsp", `cell-main-${process.pid}`);

  beforeAll(async () => {
    db = await createTestCellDatabase("main");
    await provisionTenant(db.admin, db.cellName, { slug: "banh-xeo", displayName: "Bánh Xèo", plan: "starter", owner: { phone: "+84902222222", name: "Cô Ba" }, locations: [{ name: "Cần Thơ" }] });
    const issuer = await createTokenIssuer();
    token = await issuer.token({ memberships: [{ tenant: "banh-xeo", role: "owner", locations: "*" }] });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cellProcess = startProcess(stateDir, "cell-api", tsx, [join(root, "cell", "main.ts")], {
      env: {
        ...withoutRedis(process.env),
        PORT: String(port),
        DATABASE_URL: db.roleUrl,
        CELL_SCHEMA: db.schema,
        ROUTER_SIGNING_KEY,
        ROUTER_SIGNING_KEY_PREVIOUS,
        PLATFORM_KEY,
        PLATFORM_KEY_PREVIOUS,
        JWKS_JSON: JSON.stringify(issuer.jwks),
        LOG_LEVEL: "info",
      },
    });
    await waitUntil(cellProcess, "cell API ready", async () => (await fetch(`${base}/readyz`)).ok, 90_000);
  });
  afterAll(async () => {
    await cellProcess?.stop();
    rmSync(stateDir, { recursive: true, force: true });
    await db.drop();
  });

  it("serves GraphQL for a routed, authenticated member", async () => {
    const response = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...routerHeaders("banh-xeo") },
      body: JSON.stringify({ query: "{ tenant { displayName } locations { name timezone } }" }),
    });
    expect(await response.json()).toEqual({ data: { tenant: { displayName: "Bánh Xèo" }, locations: [{ name: "Cần Thơ", timezone: "Asia/Ho_Chi_Minh" }] } });
  });

  it("accepts the router's previous key and the previous platform key given by env during a rotation", async () => {
    const query = (key: string) =>
      fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...routerHeaders("banh-xeo", key) }, body: JSON.stringify({ query: "{ tenant { displayName } }" }) });
    expect(await (await query(ROUTER_SIGNING_KEY_PREVIOUS)).json()).toEqual({ data: { tenant: { displayName: "Bánh Xèo" } } });
    expect((await query("neither-router-key-0123456789")).status).toBe(401);
    const feed = (key: string) => fetch(`${base}/internal/gauges?tenant=banh-xeo`, { headers: { authorization: `Bearer ${key}` } });
    expect((await feed(PLATFORM_KEY)).status).toBe(200);
    expect((await feed(PLATFORM_KEY_PREVIOUS)).status).toBe(200);
    expect((await feed("neither-platform-key-0123456789")).status).toBe(401);
  });

  it("reports readiness without Redis configured (no cache)", async () => {
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "ready", checks: { postgres: "ok" } });
  });

  it("explains a bad configuration, naming each variable, and exits 2", async () => {
    const failure = await run(tsx, [join(root, "cell", "main.ts")], { env: { ...process.env, DATABASE_URL: "mysql://x", CELL_SCHEMA: "", ROUTER_SIGNING_KEY: "short" } }).catch((e: { code: number; stderr: string }) => e);
    expect((failure as { code: number }).code).toBe(2);
    const stderr = (failure as { stderr: string }).stderr;
    for (const name of ["DATABASE_URL", "CELL_SCHEMA", "ROUTER_SIGNING_KEY"]) expect(stderr).toContain(name);
  });

  it("names a short previous key, and a previous platform key without a current one, and exits 2", async () => {
    const env = { ...process.env, DATABASE_URL: "postgres://x/y", CELL_SCHEMA: "cell_x", ROUTER_SIGNING_KEY, JWKS_JSON: '{"keys":[]}', ROUTER_SIGNING_KEY_PREVIOUS: "short", PLATFORM_KEY: undefined, PLATFORM_KEY_PREVIOUS };
    const failure = (await run(tsx, [join(root, "cell", "main.ts")], { env }).catch((e: { code: number; stderr: string }) => e)) as { code: number; stderr: string };
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/ROUTER_SIGNING_KEY_PREVIOUS: .*at least 16 characters/);
    expect(failure.stderr).toMatch(/PLATFORM_KEY_PREVIOUS: is set without PLATFORM_KEY/);
  });

  it("prints its environment variables with --help", async () => {
    const { stdout } = await run(tsx, [join(root, "cell", "main.ts"), "--help"]);
    expect(stdout).toContain("REDIS_URL");
    expect(stdout).toContain("JWKS_URL");
    for (const name of ["ROUTER_SIGNING_KEY_PREVIOUS", "PLATFORM_KEY_PREVIOUS"]) expect(stdout).toContain(name);
  });
});
