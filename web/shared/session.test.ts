import { describe, expect, it } from "@jest/globals";
import { controlPlaneOrigin } from "./session.js";

const at = (url: string) => new URL(url) as unknown as Location;

describe("Given the page's own address", () => {
  it("finds the control plane on app.<base domain> from a tenant subdomain, keeping scheme and port", () => {
    expect([
      controlPlaneOrigin(at("http://pho-bo.localhost:8080/dashboard")),
      controlPlaneOrigin(at("https://com-tam.lsp.vn/")),
    ]).toEqual(["http://app.localhost:8080", "https://app.lsp.vn"]);
  });

  it("stays on the same origin when the page is the control plane's own", () => {
    expect(controlPlaneOrigin(at("http://app.localhost:8080/sales"))).toBe("http://app.localhost:8080");
  });
});
