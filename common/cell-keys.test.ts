import { createHmac } from "node:crypto";
import { cellKeyOrigin, deriveCellKey } from "./cell-keys.js";

const MASTER = "master-key-0123456789abcdef";

describe("deriveCellKey", () => {
  it("is HMAC-SHA256 of the purpose and the endpoint's origin, base64url", () => {
    const expected = createHmac("sha256", MASTER).update("lsp cell key v1\nrouter-signing\nhttp://cell-api.lsp-cell-a.svc.cluster.local:8080").digest("base64url");
    expect(deriveCellKey(MASTER, "router-signing", "http://cell-api.lsp-cell-a.svc.cluster.local:8080")).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("gives each cell, and each purpose, a different key", () => {
    const a = deriveCellKey(MASTER, "router-signing", "http://cell-api.lsp-cell-a.svc.cluster.local:8080");
    const b = deriveCellKey(MASTER, "router-signing", "http://cell-api.lsp-cell-b.svc.cluster.local:8080");
    const aPlatform = deriveCellKey(MASTER, "platform", "http://cell-api.lsp-cell-a.svc.cluster.local:8080");
    const otherMaster = deriveCellKey("another-master-key-0123456789", "router-signing", "http://cell-api.lsp-cell-a.svc.cluster.local:8080");
    expect(new Set([a, b, aPlatform, otherMaster]).size).toBe(4);
    expect(a).not.toContain(MASTER);
  });

  it("binds the key to the origin only: path, trailing slash and host case do not change it", () => {
    const plain = deriveCellKey(MASTER, "platform", "http://127.0.0.1:4100");
    expect(deriveCellKey(MASTER, "platform", "http://127.0.0.1:4100/")).toBe(plain);
    expect(deriveCellKey(MASTER, "platform", "http://127.0.0.1:4100/internal/usage")).toBe(plain);
    expect(deriveCellKey(MASTER, "platform", "HTTP://Cell-API.example:80")).toBe(deriveCellKey(MASTER, "platform", "http://cell-api.example"));
    expect(deriveCellKey(MASTER, "platform", "http://127.0.0.1:4101")).not.toBe(plain);
  });

  it("refuses an endpoint that is not an http(s) URL, naming it", () => {
    expect(() => cellKeyOrigin("cell-api:8080/x")).toThrow(/"cell-api:8080\/x" is not http\(s\)/);
    expect(() => cellKeyOrigin("not a url")).toThrow(/"not a url" is not a URL/);
  });
});
