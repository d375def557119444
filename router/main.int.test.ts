// The router as a process (router/main.ts) with routes from a file: routing, a live edit of the
// file applied within 1 s, an unreadable edit ignored, /healthz, and a clean exit on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { canConnect, freePort } from "../scripts/services/processes.js";
import { send } from "./testing/client.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess, TEST_ENGINE } from "./testing/processes.js";

describe("Given the router started from the command line with a routes file", () => {
  const dir = mkdtempSync(join(tmpdir(), "router-cli-"));
  const routesFile = join(dir, "routes.json");
  const stateFile = join(dir, "state", "routes.json");
  let cellA: CellProcess;
  let cellB: CellProcess;
  let child: ChildProcess;
  let url: string;
  let admin: string;
  let output = "";

  beforeAll(async () => {
    [cellA, cellB] = await Promise.all([startCell("cell-a"), startCell("cell-b")]);
    writeFileSync(routesFile, JSON.stringify({ routes: { pho: { endpoint: cellA.endpoint } } }));
    const [port, adminPort] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    admin = `http://127.0.0.1:${adminPort}`;
    child = spawn(
      process.execPath,
      ["--import", "tsx", resolve(import.meta.dirname, "main.ts"), "--engine", TEST_ENGINE, "--source", "file", "--routes-file", routesFile, "--port", String(port), "--admin-port", String(adminPort), "--host", "127.0.0.1", "--domain", "localhost", "--state-file", stateFile],
      { env: { ...process.env, ROUTER_SIGNING_KEY: TEST_SIGNING_KEY, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!(await canConnect(port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`router did not start:\n${output}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await Promise.all([cellA?.stop(), cellB?.stop()]);
  });

  it("routes by the file, applies an edit within 1 s, and keeps the last good routes over a broken edit", async () => {
    expect((await send(url, { host: "pho.localhost" })).json()).toMatchObject({ cell: "cell-a", tenant: "pho", verified: true });
    writeFileSync(routesFile, JSON.stringify({ routes: { pho: { endpoint: cellB.endpoint }, bun: { endpoint: cellA.endpoint } } }));
    const started = performance.now();
    while ((await send(url, { host: "pho.localhost" })).json().cell !== "cell-b") {
      if (performance.now() - started > 5_000) throw new Error("edit not applied");
      await sleep(20);
    }
    expect(performance.now() - started).toBeLessThan(1_000);
    expect((await send(url, { host: "bun.localhost" })).json().cell).toBe("cell-a");

    writeFileSync(routesFile, "{ half-written");
    await sleep(700);
    expect((await send(url, { host: "pho.localhost" })).json().cell).toBe("cell-b");
    expect(output).toMatch(/Ignored unreadable routes file/);
  });

  it("serves /healthz on the admin port and writes its snapshot", async () => {
    const health = await fetch(`${admin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", source: "file", synced: true, routes: 2 });
    expect(existsSync(stateFile)).toBe(true);
  });

  it("exits cleanly on SIGTERM", async () => {
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
