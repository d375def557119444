import { describe, expect, it, jest } from "@jest/globals";
import type { SyncTarget } from "../../control-plane/rollups/index.js";
import type { RunningCell } from "./cell-processes.js";
import { readyCellTargets } from "./ready-targets.js";

const running = (name: string, port: number, apiReady = true): RunningCell => ({
  name,
  version: "local",
  apiPort: port,
  mlPort: port + 1,
  endpoint: `http://127.0.0.1:${port}`,
  apiReady,
  mlReady: true,
});

const targets: SyncTarget[] = [
  { tenantSlug: "pho-bo-hanoi", cell: "shared-1", baseUrl: "http://127.0.0.1:41001" },
  { tenantSlug: "banh-mi-saigon", cell: "shared-1", baseUrl: "http://127.0.0.1:41001" },
  { tenantSlug: "com-tam", cell: "shared-2", baseUrl: "http://127.0.0.1:39000" },
  { tenantSlug: "bun-cha", cell: "dedicated-1", baseUrl: "http://127.0.0.1:42000" },
];

describe("readyCellTargets", () => {
  it("keeps the tenants whose cell process is up", async () => {
    const cells = new Map([
      ["shared-1", running("shared-1", 41001)],
      ["dedicated-1", running("dedicated-1", 42000)],
    ]);
    const pick = readyCellTargets(async () => targets, cells);
    expect((await pick()).map((t) => t.tenantSlug)).toEqual(["pho-bo-hanoi", "banh-mi-saigon", "bun-cha"]);
  });

  it("syncs from the port the cell answers on now, not the one a stale status names", async () => {
    // After a restart (or a version change) shared-2 runs on a new port before its tenants' statuses say so.
    const cells = new Map([["shared-2", running("shared-2", 45123)]]);
    expect(await readyCellTargets(async () => targets, cells)()).toEqual([{ tenantSlug: "com-tam", cell: "shared-2", baseUrl: "http://127.0.0.1:45123" }]);
  });

  it("skips a tenant whose cell is not running, or whose API is not ready yet (or restarting)", async () => {
    const cells = new Map([["shared-1", running("shared-1", 41001, false)]]);
    expect(await readyCellTargets(async () => targets, cells)()).toEqual([]);
  });

  it("asks for the tenant list afresh every round", async () => {
    const cells = new Map([["shared-2", running("shared-2", 39000)]]);
    const all = jest.fn(async () => targets);
    const pick = readyCellTargets(all, cells);
    await pick();
    await pick();
    expect(all).toHaveBeenCalledTimes(2);
  });
});
