// Closing the router (a rolling update, SIGTERM) lets requests already at a cell finish and
// refuses new connections; what outlives the grace period is cut.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import { createRouter, LocalRouteSource } from "./index.js";
import { send } from "./testing/client.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess } from "./testing/processes.js";

describe("Given a router with requests in flight when it is closed", () => {
  let cell: CellProcess;

  beforeAll(async () => {
    cell = await startCell("cell-a");
  });

  afterAll(async () => {
    await cell?.stop();
  });

  it("finishes the requests within the grace period and refuses new connections", async () => {
    const router = createRouter({ baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes: new LocalRouteSource({ pho: { endpoint: cell.endpoint } }) });
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
    const router = createRouter({ baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes: new LocalRouteSource({ pho: { endpoint: cell.endpoint } }) });
    const url = await router.listen();
    const slow = send(url, { host: "pho.localhost", path: "/slow?ms=5000" }).catch((e: Error) => e);
    await sleep(150);
    const started = performance.now();
    await router.close(300);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(String(await slow)).toMatch(/socket hang up|ECONNRESET/);
  });
});
