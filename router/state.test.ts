import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { TENANT_SIGNATURE_TOLERANCE_SECONDS, verifyTenant } from "../common/index.js";
import { HostResolver } from "./host.js";
import { RouteTable } from "./route-table.js";
import { DEFAULT_LIMITS, lookup, requestPath, tenantSignature, type RouterState } from "./state.js";
import { deriveCellKey } from "../common/cell-keys.js";
import { CellSigners } from "./cell-signers.js";

const KEY = "state-test-signing-key";

function stateWith(table: RouteTable): RouterState {
  return { resolver: new HostResolver(["localhost"]), table, signers: new CellSigners(KEY), limits: DEFAULT_LIMITS } as unknown as RouterState;
}

describe("Given a router's shared state", () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it("reuses a tenant's signature only within the reuse window, always well inside what cells accept", () => {
    expect(DEFAULT_LIMITS.signatureReuseSeconds).toBeLessThan(TENANT_SIGNATURE_TOLERANCE_SECONDS / 10);
    jest.useFakeTimers({ now: new Date("2026-11-22T00:00:00Z") });
    const table = new RouteTable();
    table.set("pho", { endpoint: "http://cell-a:8080" });
    const state = stateWith(table);
    const route = table.get("pho")!;
    const first = tenantSignature(state, route, route.cell!);
    jest.setSystemTime(Date.now() + (DEFAULT_LIMITS.signatureReuseSeconds - 1) * 1000);
    expect(tenantSignature(state, route, route.cell!)).toBe(first);
    jest.setSystemTime(Date.now() + 1000);
    const second = tenantSignature(state, route, route.cell!);
    expect(second).not.toBe(first);
    expect(verifyTenant(deriveCellKey(KEY, "router-signing", "http://cell-a:8080"), "pho", second)).toEqual({ ok: true, slug: "pho" });
    void table.close();
  });

  it("signs with the key of the cell the request goes to, never the master, and re-signs at once when the tenant moves", () => {
    jest.useFakeTimers({ now: new Date("2026-11-22T00:00:00Z") });
    const table = new RouteTable();
    table.set("pho", { endpoint: "http://cell-a:8080" });
    const state = stateWith(table);
    const route = table.get("pho")!;
    const onA = tenantSignature(state, route, route.cell!);
    const keyA = deriveCellKey(KEY, "router-signing", "http://cell-a:8080");
    const keyB = deriveCellKey(KEY, "router-signing", "http://cell-b:8080");
    expect(verifyTenant(keyA, "pho", onA).ok).toBe(true);
    expect(verifyTenant(KEY, "pho", onA)).toEqual({ ok: false, reason: "bad-signature" });
    expect(verifyTenant(keyB, "pho", onA)).toEqual({ ok: false, reason: "bad-signature" });
    // Same second, inside the reuse window: the move still gets cell B's signature.
    table.set("pho", { endpoint: "http://cell-b:8080" });
    const onB = tenantSignature(state, route, route.cell!);
    expect(verifyTenant(keyB, "pho", onB).ok).toBe(true);
    expect(verifyTenant(keyA, "pho", onB)).toEqual({ ok: false, reason: "bad-signature" });
    void table.close();
  });

  it("decides unknown, suspended, held and unreachable tenants before any cell is contacted", () => {
    const table = new RouteTable();
    table.set("pho", { endpoint: "http://cell-a:8080" });
    table.set("closed", { endpoint: "http://cell-a:8080", suspended: true });
    table.set("moving", { endpoint: "http://cell-a:8080", hold: true });
    table.set("pending", {});
    const state = stateWith(table);
    expect(lookup(state, "nobody")).toBe("ROUTER_ERR_UNKNOWN_TENANT");
    expect(lookup(state, "pending")).toBe("ROUTER_ERR_UNKNOWN_TENANT");
    expect(lookup(state, "closed")).toBe("ROUTER_ERR_TENANT_SUSPENDED");
    expect(lookup(state, "moving")).toBe(table.get("moving"));
    expect(lookup(state, "pho")).toBe(table.get("pho"));
    table.get("pho")!.cell!.downUntil = Date.now() + 1_000;
    expect(lookup(state, "pho")).toBe("ROUTER_ERR_CELL_UNAVAILABLE");
    // Window over: one request probes, the next ones still fail fast while it is out.
    table.get("pho")!.cell!.downUntil = Date.now() - 1;
    expect(lookup(state, "pho")).toBe(table.get("pho"));
    expect(lookup(state, "pho")).toBe("ROUTER_ERR_CELL_UNAVAILABLE");
    void table.close();
  });

  it("forwards an absolute-form target only when it names the same tenant as Host", () => {
    const state = stateWith(new RouteTable());
    expect(requestPath(state, "/menu?x=1", "pho")).toBe("/menu?x=1");
    expect(requestPath(state, "http://PHO.localhost:8080/menu?x=1", "pho")).toBe("/menu?x=1");
    expect(requestPath(state, "http://bun.localhost/menu", "pho")).toBeUndefined();
    expect(requestPath(state, "http://user@pho.localhost/", "pho")).toBeUndefined();
    expect(requestPath(state, "ftp://pho.localhost/", "pho")).toBeUndefined();
    expect(requestPath(state, "*", "pho")).toBeUndefined();
    expect(requestPath(state, "", "pho")).toBeUndefined();
  });
});
