import { describe, expect, it } from "@jest/globals";
import { BodyKind, parseResponseHead } from "./response-head.js";

const parse = (text: string, head = false) => parseResponseHead(Buffer.from(text, "latin1"), 0, head, "rid");

describe("Given response heads from a cell", () => {
  it("rewrites the head for the client: hop-by-hop headers out, the request id in, framing kept", () => {
    const r = parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n");
    expect(r).toMatchObject({ status: 200, body: BodyKind.Chunked, reusable: true });
    expect((r as { rewritten: string }).rewritten).toBe("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nx-request-id: rid\r\ntransfer-encoding: chunked");
    // The cell's echo of the request id is kept as sent (not added twice).
    expect(parse("HTTP/1.1 201 Created\r\nContent-Length: 3\r\nx-request-id: rid\r\n\r\n")).toMatchObject({ body: BodyKind.Length, contentLength: 3, rewritten: "HTTP/1.1 201 Created\r\nContent-Length: 3\r\nx-request-id: rid" });
  });

  it("copies kept lines as they came and drops others wherever they are (first, middle, repeated, last)", () => {
    const r = parse("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nA: 1\r\nTE: x\r\nB:  2 \r\nContent-Length: 3\r\ncontent-length: 3\r\nKeep-Alive: timeout=5\r\n\r\n");
    expect(r).toMatchObject({ body: BodyKind.Length, contentLength: 3, rewritten: "HTTP/1.1 200 OK\r\nA: 1\r\nB:  2 \r\nContent-Length: 3\r\nx-request-id: rid" });
    expect(parse("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")).toMatchObject({ reusable: false, rewritten: "HTTP/1.1 204 No Content\r\nx-request-id: rid" });
  });

  it("knows when there is no body: HEAD, 1xx, 204, 304, Content-Length 0", () => {
    expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", true)).toMatchObject({ body: BodyKind.None, rewritten: "HTTP/1.1 200 OK\r\nContent-Length: 500\r\nx-request-id: rid" });
    expect(parse("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")).toMatchObject({ status: 103, body: BodyKind.None });
    expect(parse("HTTP/1.1 204 No Content\r\n\r\n")).toMatchObject({ body: BodyKind.None });
    expect(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")).toMatchObject({ body: BodyKind.None });
    expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).toMatchObject({ body: BodyKind.None, reusable: true });
  });

  it("reads a body without framing until close, and never reuses that connection", () => {
    expect(parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")).toMatchObject({ body: BodyKind.UntilClose, reusable: false });
    expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")).toMatchObject({ body: BodyKind.Length, reusable: false });
    expect(parse("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n")).toMatchObject({ reusable: false });
  });

  it.each([
    ["Content-Length with Transfer-Encoding", "Content-Length: 5\r\nTransfer-Encoding: chunked"],
    ["two different Content-Lengths", "Content-Length: 5\r\nContent-Length: 6"],
    ["a non-numeric Content-Length", "Content-Length: five"],
    ["chunked not last", "Transfer-Encoding: chunked, gzip"],
    ["obs-fold", "X-A: b\r\n c"],
    ["a bare LF", "X-A: b\nX-B: c"],
  ])("refuses %s (502)", (_what, headers) => {
    expect(parse(`HTTP/1.1 200 OK\r\n${headers}\r\n\r\n`)).toBe("bad");
  });

  it("refuses malformed status lines and waits for an incomplete head", () => {
    for (const line of ["HTTP/1.1 20 OK", "HTTP/1.1 999 X", "HTTP/2 200 OK", "HTTP/1.1 200\u0001", "ICY 200 OK"]) expect(parse(`${line}\r\n\r\n`)).toBe("bad");
    expect(parse("HTTP/1.1 200 OK\r\n\r\n")).toMatchObject({ status: 200 });
    expect(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")).toMatchObject({ status: 200 });
    expect(parse("HTTP/1.1 200 OK\r\nContent-Len")).toBe("incomplete");
  });

  it("refuses an answer that names another request: the cell connection's framing has slipped", () => {
    expect(parse("HTTP/1.1 200 OK\r\nx-request-id: other\r\nContent-Length: 4\r\n\r\n")).toBe("bad");
    expect(parse("HTTP/1.1 200 OK\r\nX-Request-Id: RID\r\nContent-Length: 4\r\n\r\n")).toBe("bad");
    expect(parse("HTTP/1.1 200 OK\r\nX-Request-Id: rid\r\nContent-Length: 4\r\n\r\n")).toMatchObject({ status: 200 });
  });
});
