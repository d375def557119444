import { describe, expect, it } from "@jest/globals";
import { parseRequestHead } from "./request-head.js";

const parse = (text: string, max = 16 * 1024) => parseRequestHead(Buffer.from(text, "latin1"), 0, max);

describe("Given request heads as a client sends them", () => {
  it("reads method, target, headers, framing and connection intent", () => {
    const head = parse("POST /orders?x=1 HTTP/1.1\r\nHost: pho.localhost\r\nContent-Length: 12\r\nX-Empty:\r\nX-Pad: \t v \t\r\n\r\nbody...");
    expect(head).toMatchObject({
      method: "POST",
      target: "/orders?x=1",
      minor: 1,
      rawHeaders: ["Host", "pho.localhost", "Content-Length", "12", "X-Empty", "", "X-Pad", "v"],
      contentLength: 12,
      chunked: false,
      keepAlive: true,
      upgrade: false,
    });
    expect((head as { length: number }).length).toBe("POST /orders?x=1 HTTP/1.1\r\nHost: pho.localhost\r\nContent-Length: 12\r\nX-Empty:\r\nX-Pad: \t v \t\r\n\r\n".length);
    expect(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n")).toMatchObject({ chunked: true, keepAlive: false });
    expect(parse("GET / HTTP/1.0\r\nHost: a\r\n\r\n")).toMatchObject({ minor: 0, keepAlive: false });
    expect(parse("GET / HTTP/1.0\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n")).toMatchObject({ minor: 0, keepAlive: true });
    expect(parse("GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n")).toMatchObject({ minor: 0, keepAlive: false });
    expect(parse("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n")).toMatchObject({ upgrade: true });
    expect(parse("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n")).toMatchObject({ upgrade: false });
    expect(parse("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")).toMatchObject({ expectContinue: true });
    // Empty lines before a request (left over after a previous body) are skipped.
    expect(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")).toMatchObject({ method: "GET", length: 31 });
  });

  it("waits for the rest of a head, but refuses one that can never end well", () => {
    expect(parse("GET / HTTP/1.1\r\nHost: a\r\n")).toBe("incomplete");
    expect(parse("GET / HTTP/1.1\r\nHost: a\n")).toBe("bad");
    expect(parse(`GET / HTTP/1.1\r\nX: ${"a".repeat(100)}`, 64)).toBe("too-large");
    expect(parse(`GET / HTTP/1.1\r\nX: ${"a".repeat(100)}\r\n\r\n`, 64)).toBe("too-large");
    expect(parse(`GET / HTTP/1.1\r\n${"X: a\r\n".repeat(300)}\r\n`)).toBe("too-large");
    // Blank lines before the request line count toward the limit, complete head or not.
    expect(parse(`${"\r\n".repeat(40)}GET / HTTP/1.1\r\nHost: a\r\n\r\n`, 64)).toBe("too-large");
    expect(parse("\r\n".repeat(40), 64)).toBe("too-large");
    expect(parse(`${"\r\n".repeat(4)}GET / HTTP/1.1\r\nHost: a\r\n\r\n`, 64)).toMatchObject({ method: "GET" });
  });

  it.each([
    ["Content-Length and Transfer-Encoding together", "Content-Length: 5\r\nTransfer-Encoding: chunked"],
    ["two Content-Length headers, even equal", "Content-Length: 5\r\nContent-Length: 5"],
    ["a Content-Length list", "Content-Length: 5, 5"],
    ["a signed Content-Length", "Content-Length: +5"],
    ["a Content-Length with inner space", "Content-Length: 5 5"],
    ["a Content-Length too long to be exact", "Content-Length: 1234567890123456"],
    ["Transfer-Encoding other than chunked", "Transfer-Encoding: gzip"],
    ["chunked not alone", "Transfer-Encoding: gzip, chunked"],
    ["chunked not last", "Transfer-Encoding: chunked, identity"],
    ["two Transfer-Encoding headers", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"],
    ["whitespace before the colon", "Transfer-Encoding : chunked"],
    ["obs-fold", "X-A: b\r\n c"],
    ["a header line starting with a tab", "\tX-A: b"],
    ["a NUL in a value", "X-A: a\u0000b"],
    ["a bare CR in a value", "X-A: a\rb"],
    ["a bare LF in a value", "X-A: a\nb"],
    ["a name with a space", "X A: b"],
    ["a name with a non-token character", "X@A: b"],
    ["a line without a colon", "Host"],
    ["an empty name", ": b"],
    ["Connection naming Content-Length", "Connection: keep-alive, Content-Length\r\nContent-Length: 5"],
    ["Connection naming Transfer-Encoding", "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked"],
    ["Connection naming Host", "Connection: host"],
  ])("refuses %s", (_what, headers) => {
    expect(parse(`POST / HTTP/1.1\r\nHost: a\r\n${headers}\r\n\r\n`)).toBe("bad");
  });

  it.each([
    ["a lower-case version", "GET / http/1.1"],
    ["HTTP/2", "GET / HTTP/2.0"],
    ["HTTP/1.2", "GET / HTTP/1.2"],
    ["two spaces", "GET  / HTTP/1.1"],
    ["a missing target", "GET HTTP/1.1"],
    ["a non-ASCII target", "GET /ph\u1edf HTTP/1.1"],
    ["a control character in the target", "GET /a\u0001 HTTP/1.1"],
    ["a non-token method", "G(T / HTTP/1.1"],
    ["a trailing space", "GET / HTTP/1.1 "],
  ])("refuses a request line with %s", (_what, line) => {
    expect(parse(`${line}\r\nHost: a\r\n\r\n`)).toBe("bad");
  });

  it("refuses Transfer-Encoding on HTTP/1.0 and answers unknown expectations as such", () => {
    expect(parse("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")).toBe("bad");
    expect(parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n")).toBe("expectation");
  });
});
