import { describe, expect, it } from "@jest/globals";
import { collectHeaders, TRACE_CONTEXT_HEADERS } from "./forward-headers.js";
import { withCellTrace } from "./tracing.js";

const INTERNAL_AND_HOP_BY_HOP = [
  "connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding",
  "upgrade", "expect", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port",
  "x-forwarded-prefix", "x-real-ip", "x-request-id", "x-lsp-tenant", "x-lsp-tenant-signature", "x-lsp-anything-else", "traceparent",
];

/** The rule before names skipped lower-casing: every name lower-cased, then the same checks. */
function reference(raw: string[]): string[] {
  const lowered = raw.map((v, i) => (i % 2 === 0 ? v.toLowerCase() : v));
  return collectHeaders(lowered).headers;
}

function randomCase(name: string, random: () => number): string {
  return [...name].map((c) => (random() < 0.5 ? c.toUpperCase() : c)).join("");
}

/** Small deterministic generator, so a failure names a seed that reproduces it. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

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
    // Names the router does not act on travel as sent; the cell reads names case-insensitively.
    expect(facts.headers).toEqual(["host", "pho.localhost", "Accept", "application/json", "Cookie", "a=1", "Cookie", "b=2"]);
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

  it("drops every internal and hop-by-hop header in any letter case", () => {
    for (const name of INTERNAL_AND_HOP_BY_HOP) {
      for (const variant of [name, name.toUpperCase(), name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase())]) {
        const facts = collectHeaders(["Host", "pho.localhost", variant, "forged"]);
        expect({ variant, headers: facts.headers }).toEqual({ variant, headers: ["host", "pho.localhost"] });
      }
    }
  });

  it("drops the headers Connection names, whatever case each side uses", () => {
    const facts = collectHeaders(["Host", "a.localhost", "Connection", "X-Secret, Foo", "x-secret", "1", "FOO", "2", "Accept", "*/*"]);
    expect(facts.headers).toEqual(["host", "a.localhost", "Accept", "*/*"]);
  });

  it("never drops Content-Length or Host because Connection names them", () => {
    const facts = collectHeaders(["Host", "a.localhost", "Connection", "Content-Length, HOST, X-Secret", "Content-Length", "44", "X-Secret", "1"]);
    expect(facts.headers).toEqual(["host", "a.localhost", "content-length", "44"]);
    expect(facts.contentLength).toBe(44);
  });

  it("lets the tracer replace the client's trace context in any case", () => {
    const facts = collectHeaders(["Host", "a.localhost", "TraceState", "k=v", "BAGGAGE", "user=1", "Accept", "*/*"]);
    const traced = withCellTrace(facts.headers, { headers: ["traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"], span: undefined });
    expect(traced).toEqual(["host", "a.localhost", "Accept", "*/*", "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]);
    expect([...TRACE_CONTEXT_HEADERS].sort()).toEqual(["baggage", "traceparent", "tracestate"]);
  });

  it("forwards the same headers as lower-casing every name would, for 20,000 random heads", () => {
    const browser = ["Accept", "Accept-Encoding", "Accept-Language", "User-Agent", "Cookie", "Referer", "Origin", "Sec-Fetch-Mode", "Cache-Control", "Content-Type", "Pragma", "Priority", "DNT", "Upgrade-Insecure-Requests"];
    const names = [...INTERNAL_AND_HOP_BY_HOP, ...TRACE_CONTEXT_HEADERS, "host", "content-length", ...browser, "x", "t", "c", "Xy", "hosts", "connections", "te2"];
    for (let seed = 1; seed <= 20_000; seed++) {
      const random = seeded(seed);
      const raw = ["Host", "pho.localhost"];
      const count = Math.floor(random() * 12);
      for (let i = 0; i < count; i++) raw.push(randomCase(names[Math.floor(random() * names.length)]!, random), random() < 0.2 ? "keep-alive, X-Forwarded-For, Sec-Fetch-Mode" : "v");
      const got = collectHeaders(raw).headers;
      const lowered = got.map((v, i) => (i % 2 === 0 ? v.toLowerCase() : v));
      expect({ seed, headers: lowered }).toEqual({ seed, headers: reference(raw) });
    }
  });
});
