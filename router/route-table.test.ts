import { afterEach, describe, expect, it } from "@jest/globals";
import { RouteTable } from "./route-table.js";

describe("Given a route table", () => {
  let table: RouteTable;
  afterEach(async () => table.close());

  it("shares one upstream pool between tenants on the same cell and closes it when the last leaves", () => {
    table = new RouteTable();
    table.set("pho", { endpoint: "http://cell-a:8080" });
    table.set("bun", { endpoint: "http://cell-a:8080/" });
    table.set("com", { endpoint: "http://cell-b:8080" });
    expect(table.get("pho")!.cell).toBe(table.get("bun")!.cell);
    expect([...table.cells()].map((c) => c.origin).sort()).toEqual(["http://cell-a:8080", "http://cell-b:8080"]);
    table.delete("pho");
    table.set("bun", { endpoint: "http://cell-b:8080" });
    expect([...table.cells()].map((c) => c.origin)).toEqual(["http://cell-b:8080"]);
  });

  it("ignores slugs that could never be a Host label and endpoints that are not base URLs, with a warning", () => {
    table = new RouteTable();
    const warnings: string[] = [];
    table.on("warning", (w) => warnings.push(w));
    expect(table.set("Pho", { endpoint: "http://a" })).toBe(false);
    expect(table.set("a.b", { endpoint: "http://a" })).toBe(false);
    expect(table.set("ok", { endpoint: "ftp://a" })).toBe(true);
    table.set("path", { endpoint: "http://a/api" });
    expect(table.get("Pho")).toBeUndefined();
    expect(table.get("ok")!.cell).toBeUndefined();
    expect(table.get("path")!.cell).toBeUndefined();
    expect(warnings.join("\n")).toMatch(/'Pho'.*lower case/);
    expect(warnings.join("\n")).toMatch(/'ok' is unroutable: endpoint 'ftp:\/\/a' must be http/);
    expect(warnings.join("\n")).toMatch(/'path' is unroutable: .*without path/);
  });

  it("releases held requests when the hold lifts, and after a route is deleted", () => {
    table = new RouteTable({ maxHeldPerTenant: 2 });
    table.set("pho", { endpoint: "http://cell-a:8080", hold: true });
    const released: string[] = [];
    const route = table.get("pho")!;
    expect(table.hold(route, { release: () => released.push(`one->${table.get("pho")?.spec.endpoint}`) })).toBe(true);
    expect(table.hold(route, { release: () => released.push(`two->${table.get("pho")?.spec.endpoint}`) })).toBe(true);
    expect(table.hold(route, { release: () => released.push("three") })).toBe(false);
    table.set("pho", { endpoint: "http://cell-b:8080", hold: true });
    expect(released).toEqual([]);
    table.set("pho", { endpoint: "http://cell-b:8080", hold: false });
    expect(released).toEqual(["one->http://cell-b:8080", "two->http://cell-b:8080"]);

    table.set("pho", { endpoint: "http://cell-b:8080", hold: true });
    table.hold(table.get("pho")!, { release: () => released.push(`gone->${table.get("pho")}`) });
    table.delete("pho");
    expect(released.at(-1)).toBe("gone->undefined");
  });

  it("makes the table exactly a full list on replaceAll", () => {
    table = new RouteTable();
    table.set("old", { endpoint: "http://a:1" });
    table.replaceAll({ pho: { endpoint: "http://a:1", suspended: true }, bun: { endpoint: "http://b:1" } });
    expect(table.toJSON()).toEqual({
      pho: { endpoint: "http://a:1", suspended: true, hold: false },
      bun: { endpoint: "http://b:1", suspended: false, hold: false },
    });
  });

  it("closes a tenant's tunnels when its endpoint changes, it is suspended or removed, and not on hold or same-endpoint updates", () => {
    table = new RouteTable();
    table.set("pho", { endpoint: "http://cell-a:8080" });
    table.set("bun", { endpoint: "http://cell-a:8080" });
    const closed: string[] = [];
    const open = (slug: string, name: string) => {
      const route = table.get(slug)!;
      const tunnel = { close: () => (closed.push(name), table.removeTunnel(route, tunnel)) };
      table.addTunnel(route, tunnel);
    };
    open("pho", "pho-1");
    open("pho", "pho-2");
    open("bun", "bun-1");
    table.set("pho", { endpoint: "http://cell-a:8080", hold: true });
    table.set("pho", { endpoint: "http://cell-a:8080", hold: false });
    table.set("pho", { endpoint: "http://cell-a:8080" });
    expect(closed).toEqual([]);
    table.set("pho", { endpoint: "http://cell-b:8080", hold: true });
    expect(closed).toEqual(["pho-1", "pho-2"]);
    open("pho", "pho-3");
    table.set("pho", { endpoint: "http://cell-b:8080", suspended: true });
    expect(closed).toEqual(["pho-1", "pho-2", "pho-3"]);
    table.delete("bun");
    expect(closed).toEqual(["pho-1", "pho-2", "pho-3", "bun-1"]);
  });
});
