import { describe, expect, it } from "@jest/globals";
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { allowedOrigin, handleCors } from "./cors.js";

describe("Given the control plane on app.localhost:8080", () => {
  const host = "app.localhost:8080";

  it("allows a tenant subdomain on the same port", () => {
    expect(allowedOrigin("http://pho-bo.localhost:8080", host)).toBe("http://pho-bo.localhost:8080");
  });

  it("refuses other domains, other ports, nested subdomains and missing origins", () => {
    const refused = [
      "http://evil.com",
      "http://pho.localhost:9090",
      "http://a.b.localhost:8080",
      "http://localhost.evil.com:8080",
      "null",
      "file://x",
      undefined,
    ];
    expect(refused.map((o) => allowedOrigin(o, host))).toEqual(refused.map(() => undefined));
  });

  it("refuses everything when the request did not arrive on app.<domain>", () => {
    expect(allowedOrigin("http://pho.localhost:8080", "pho.localhost:8080")).toBeUndefined();
  });

  it("allows https tenant origins of a production domain on the default port", () => {
    expect(allowedOrigin("https://com-tam.lsp.vn", "app.lsp.vn")).toBe("https://com-tam.lsp.vn");
  });
});

describe("Given a browser preflight", () => {
  // node:http, not fetch: fetch does not let a caller choose Host and Origin.
  async function preflight(origin: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    const server = createServer((req, res) => {
      if (!handleCors(req, res)) res.writeHead(200).end("not a preflight");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      return await new Promise((resolve, reject) => {
        const headers = {
          host: `app.localhost:${port}`,
          origin: origin.replace("PORT", String(port)),
          "access-control-request-method": "POST",
        };
        request({ host: "127.0.0.1", port, path: "/auth/otp/request", method: "OPTIONS", headers }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        })
          .on("error", reject)
          .end();
      });
    } finally {
      server.close();
    }
  }

  it("answers 204 with the allowed methods and headers for a tenant origin", async () => {
    const reply = await preflight("http://pho.localhost:PORT");
    expect([
      reply.status,
      String(reply.headers["access-control-allow-origin"]).startsWith("http://pho.localhost:"),
      reply.headers["access-control-allow-headers"],
    ]).toEqual([204, true, "authorization, content-type"]);
  });

  it("answers 403 for a foreign origin", async () => {
    const reply = await preflight("http://evil.example");
    expect([reply.status, reply.headers["access-control-allow-origin"]]).toEqual([403, undefined]);
  });
});
