import { describe, expect, it } from "@jest/globals";
import { collectHeaders } from "./forward-headers.js";

describe("Given a client request's raw headers", () => {
  it("drops forged internal headers, forwarding headers and hop-by-hop headers, and keeps the rest", () => {
    const facts = collectHeaders([
      "Host", "pho.localhost",
      "X-LSP-Tenant", "other",
      "x-lsp-tenant-signature", "t=1,v1=00",
      "X-Forwarded-For", "6.6.6.6",
      "Forwarded", "for=6.6.6.6",
      "X-Request-Id", "mine",
      "Connection", "keep-alive, X-Secret",
      "X-Secret", "hop",
      "Keep-Alive", "timeout=5",
      "TE", "trailers",
      "Accept", "application/json",
      "Cookie", "a=1",
      "Cookie", "b=2",
      "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ]);
    expect(facts.headers).toEqual(["host", "pho.localhost", "accept", "application/json", "cookie", "a=1", "cookie", "b=2"]);
    expect(facts.hostCount).toBe(1);
    expect(facts.traceparent).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  });

  it("counts Host headers and notes body framing and upgrades", () => {
    const facts = collectHeaders(["Host", "a.localhost", "host", "b.localhost", "Transfer-Encoding", "chunked", "Upgrade", "websocket", "Content-Length", "12"]);
    expect(facts.hostCount).toBe(2);
    expect(facts.chunked).toBe(true);
    expect(facts.upgrade).toBe("websocket");
    expect(facts.contentLength).toBe(12);
  });
});
