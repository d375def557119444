import { describe, expect, it } from "@jest/globals";
import { createRouter, LocalRouteSource } from "./index.js";

const base = { baseDomains: ["localhost"], signingKey: "sixteen-byte-key!", routes: new LocalRouteSource() };

describe("Given createRouter options", () => {
  it("refuses a short signing key, naming the setting", () => {
    expect(() => createRouter({ ...base, signingKey: "short" })).toThrow(/signingKey must be at least 16 bytes \(ROUTER_SIGNING_KEY\)/);
  });

  it("refuses limits that cannot work, naming the field and why", () => {
    expect(() => createRouter({ ...base, limits: { maxBodyBytes: 0 } })).toThrow(/limits\.maxBodyBytes must be a positive number \(got 0\)/);
    expect(() => createRouter({ ...base, limits: { headersTimeoutMs: 60_000, requestTimeoutMs: 30_000 } })).toThrow(/headersTimeoutMs \(60000\) must not exceed limits\.requestTimeoutMs \(30000\)/);
    expect(() => createRouter({ ...base, limits: { signatureReuseSeconds: 600 } })).toThrow(/signatureReuseSeconds must be at most 60/);
  });

  it("refuses a base domain that is not plain ASCII", () => {
    expect(() => createRouter({ ...base, baseDomains: ["phở.vn"] })).toThrow(/base domain 'phở.vn' is not a plain ASCII domain name/);
  });
});
