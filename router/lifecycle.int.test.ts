// Starting and stopping: a corrupt snapshot does not keep the router down; closing it (a rolling
// update, SIGTERM) lets requests already at a cell finish and refuses new connections; what
// outlives the grace period is cut.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createRouter, LocalRouteSource } from "./index.js";
import { send } from "./testing/client.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess, TEST_ENGINE } from "./testing/processes.js";

describe("Given a router starting and stopping", () => {
  let cell: CellProcess;

  beforeAll(async () => {
    cell = await startCell("cell-a");
  });

  afterAll(async () => {
    await cell?.stop();
  });

  it("starts despite a corrupt snapshot, serves its source's routes, and rewrites the snapshot", async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), "router-life-")), "routes.json");
    writeFileSync(stateFile, "{ torn write");
    const router = createRouter({ engine: TEST_ENGINE, baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, stateFile, routes: new LocalRouteSource({ pho: { endpoint: cell.endpoint } }) });
    const url = await router.listen();
    try {
      expect((await send(url, { host: "pho.localhost" })).json().tenant).toBe("pho");
    } finally {
      await router.close();
    }
    expect(JSON.parse(readFileSync(stateFile, "utf8")).routes).toEqual({ pho: { endpoint: cell.endpoint, suspended: false, hold: false } });
  });

  it("finishes the requests within the grace period and refuses new connections", async () => {
    const router = createRouter({ engine: TEST_ENGINE, baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes: new LocalRouteSource({ pho: { endpoint: cell.endpoint } }) });
    const url = await router.listen();
    const slow = send(url, { host: "pho.localhost", path: "/slow?ms=500" });
    await sleep(150);
    const closing = router.close(5_000);
    await sleep(50);
    await expect(send(url, { host: "pho.localhost" })).rejects.toThrow(/ECONNREFUSED/);
    const res = await slow;
    expect([res.status, res.json().tenant]).toEqual([200, "pho"]);
    await closing;
  });

  it("cuts a request that outlives the grace period", async () => {
    const router = createRouter({ engine: TEST_ENGINE, baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes: new LocalRouteSource({ pho: { endpoint: cell.endpoint } }) });
    const url = await router.listen();
    const slow = send(url, { host: "pho.localhost", path: "/slow?ms=5000" }).catch((e: Error) => e);
    await sleep(150);
    const started = performance.now();
    await router.close(300);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(String(await slow)).toMatch(/socket hang up|ECONNRESET/);
  });
});
