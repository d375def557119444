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
  it("keeps the tenants whose cell answers at the endpoint their status names", async () => {
    const cells = new Map([
      ["shared-1", running("shared-1", 41001)],
      ["dedicated-1", running("dedicated-1", 42000)],
    ]);
    const pick = readyCellTargets(async () => targets, cells);
    expect((await pick()).map((t) => t.tenantSlug)).toEqual(["pho-bo-hanoi", "banh-mi-saigon", "bun-cha"]);
  });

  it("skips a tenant whose status still names the previous run's port", async () => {
    // After a restart shared-2 runs again, on a new port; the Tenant status is not updated yet.
    const cells = new Map([["shared-2", running("shared-2", 45123)]]);
    expect(await readyCellTargets(async () => targets, cells)()).toEqual([]);
  });

  it("skips a cell whose API is not ready yet (or restarting)", async () => {
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
