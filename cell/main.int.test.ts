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

  it("reports readiness without Redis configured (no cache)", async () => {
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "ready", checks: { postgres: "ok" } });
  });

  it("explains a bad configuration, naming each variable, and exits 2", async () => {
    const failure = await run(tsx, [join(root, "cell", "main.ts")], { env: { ...process.env, DATABASE_URL: "mysql://x", CELL_SCHEMA: "", ROUTER_SIGNING_KEY: "short" } }).catch((e: { code: number; stderr: string }) => e);
    expect((failure as { code: number }).code).toBe(2);
    const stderr = (failure as { stderr: string }).stderr;
    for (const name of ["DATABASE_URL", "CELL_SCHEMA", "ROUTER_SIGNING_KEY"]) expect(stderr).toContain(name);
  });

  it("prints its environment variables with --help", async () => {
    const { stdout } = await run(tsx, [join(root, "cell", "main.ts"), "--help"]);
    expect(stdout).toContain("REDIS_URL");
    expect(stdout).toContain("JWKS_URL");
  });
});
