import { describe, expect, it } from "@jest/globals";
import { HostResolver } from "./host.js";

const resolver = new HostResolver(["localstoreplatform.com", "localhost"]);
const slugOf = (host: string | undefined) => {
  const r = resolver.resolve(host);
  return r.ok ? r.slug : undefined;
};

describe("Given the base domains localstoreplatform.com and localhost", () => {
  it("names the tenant of <slug>.<domain> in any letter case, with one trailing dot or a port", () => {
    expect(slugOf("pho-bo-hanoi.localstoreplatform.com")).toBe("pho-bo-hanoi");
    expect(slugOf("PHO-Bo-HaNoi.LocalStorePlatform.COM")).toBe("pho-bo-hanoi");
    expect(slugOf("pho.localstoreplatform.com.")).toBe("pho");
    expect(slugOf("pho.localhost:8080")).toBe("pho");
    expect(slugOf("pho.localhost.:443")).toBe("pho");
    expect(slugOf("a1.localhost")).toBe("a1");
    expect(slugOf(`${"a".repeat(63)}.localhost`)).toBe("a".repeat(63));
  });

  it("refuses names that are not exactly one DNS label under a base domain", () => {
    for (const host of [
      undefined,
      "",
      "localhost",
      "localstoreplatform.com",
      ".localhost",
      "a.b.localhost",
      "pho.localhost..",
      "pho..localhost",
      "pho.localhost.evil.com",
      "pho.localhostx",
      "pholocalhost",
      "-pho.localhost",
      "pho-.localhost",
      "ph_o.localhost",
      "ph o.localhost",
      "pho .localhost",
      `${"a".repeat(64)}.localhost`,
      "evil@pho.localhost",
      "pho.localhost@evil.localhost",
      "pho%2elocalhost",
      "pho.localhost\\",
      "[::1]",
      "[::1]:80",
      "127.0.0.1",
    ]) {
      expect({ host, result: resolver.resolve(host).ok }).toEqual({ host, result: false });
    }
  });

  it("refuses malformed ports instead of guessing", () => {
    for (const host of ["pho.localhost:", "pho.localhost:0", "pho.localhost:65536", "pho.localhost:123456", "pho.localhost:-1", "pho.localhost:8o", "pho.localhost:80:80", "pho.localhost: 80"]) {
      expect({ host, ok: resolver.resolve(host).ok }).toEqual({ host, ok: false });
    }
  });

  it("refuses IDNA and look-alike names, including ones Unicode lower-cases onto ASCII", () => {
    expect(slugOf("xn--ph-3ja.localhost")).toBeUndefined();
    expect(slugOf("ab--cd.localhost")).toBeUndefined();
    expect(slugOf("phở.localhost")).toBeUndefined();
    expect(slugOf("\u212Aitchen.localhost")).toBeUndefined(); // KELVIN SIGN lower-cases to "k"
    expect(slugOf("\u0440ho.localhost")).toBeUndefined(); // Cyrillic "р"
    expect(slugOf("pho.localhost\u3002")).toBeUndefined(); // ideographic full stop
    expect(slugOf("ｐｈｏ.localhost")).toBeUndefined();
  });

  it("prefers the longest matching base domain", () => {
    const nested = new HostResolver(["example.com", "eu.example.com"]);
    expect(nested.resolve("pho.eu.example.com")).toEqual({ ok: true, slug: "pho" });
    expect(nested.resolve("pho.example.com")).toEqual({ ok: true, slug: "pho" });
  });

  it("explains which part of a configured base domain is wrong", () => {
    expect(() => new HostResolver([])).toThrow(/at least one base domain/);
    expect(() => new HostResolver(["exa mple.com"])).toThrow(/'exa mple.com' is not a plain ASCII domain name/);
  });
});
