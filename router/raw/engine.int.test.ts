// The raw engine on real sockets: request smuggling attempts refused before anything reaches a
// cell, pipelined requests each routed by their own Host, bodies framed both ways (chunked with
// extensions and trailers, large bodies under backpressure, aborted uploads, cells that close
// mid-response, bodiless answers, interim answers, invalid heads, 100-continue, HTTP/1.0
// keep-alive), and no connection's bytes mixed with another's through the shared read buffers.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createRouter, LocalRouteSource, type Router } from "../index.js";
import { rawExchange } from "../testing/client.js";
import { eventually } from "../testing/eventually.js";
import { TEST_SIGNING_KEY } from "../testing/processes.js";
import { startScriptedCell, type ScriptedAnswer, type ScriptedCell } from "../testing/scripted-cell.js";

/** A node:http cell (llhttp, the parser a desynchronised request would hit) that records what it got. */
interface RecordingCell {
  name: string;
  endpoint: string;
  seen: string[];
  aborted: number;
  /** Bytes /big has handed to the kernel so far. */
  bigWritten: number;
  server: http.Server;
}

async function startRecordingCell(name: string): Promise<RecordingCell> {
  const cell = { name, endpoint: "", seen: [], aborted: 0, bigWritten: 0 } as unknown as RecordingCell;
  cell.server = http.createServer((req, res) => {
    cell.seen.push(`${req.method} ${req.url}`);
    if (req.url === "/big") return streamBig(cell, res);
    if (req.url?.startsWith("/echo")) {
      // /echo?slow: the cell starts reading the body late, so the router's writes to it queue.
      res.writeHead(200, { "content-type": "application/octet-stream" });
      req.pause();
      setTimeout(() => req.pipe(res), req.url.endsWith("?slow") ? 300 : 0);
      return;
    }
    const hash = createHash("sha256");
    let bytes = 0;
    req.on("data", (c: Buffer) => ((bytes += c.length), hash.update(c)));
    req.on("close", () => {
      if (!req.complete) cell.aborted++;
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ cell: name, url: req.url, tenant: req.headers["x-lsp-tenant"], bodyBytes: bytes, sha: hash.digest("hex"), trailers: req.trailers }));
    });
  });
  cell.server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => cell.server.listen(0, "127.0.0.1", resolve));
  cell.endpoint = `http://127.0.0.1:${(cell.server.address() as AddressInfo).port}`;
  return cell;
}

const BIG = 32 * 1024 * 1024;

function streamBig(cell: RecordingCell, res: http.ServerResponse): void {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(BIG) });
  const chunk = Buffer.alloc(64 * 1024, 7);
  const pump = () => {
    while (cell.bigWritten < BIG) {
      cell.bigWritten += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
}

const SMUGGLED = "GET /admin HTTP/1.1\r\nHost: pho.localhost\r\n\r\n";

describe("Given the raw engine in front of recording and scripted cells", () => {
  let cellA: RecordingCell;
  let cellB: RecordingCell;
  let scripted: ScriptedCell;
  let router: Router;
  let url: string;
  let port: number;

  const script = (head: string): ScriptedAnswer => {
    const path = head.split(" ")[1];
    switch (path) {
      case "/trailers":
        return { parts: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n", "5;ext=a\r\nhel", "lo\r\n0\r\nX-Sum: 5\r\n\r\n"] };
      case "/head":
        return { parts: ["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"] };
      case "/no-content":
        return { parts: ["HTTP/1.1 204 No Content\r\n\r\n"] };
      case "/not-modified":
        return { parts: ["HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"] };
      case "/early-split":
        // The interim answer and the start of the final head in one read, the rest of it later:
        // meanwhile other cells' answers are read into the same shared buffer.
        return { parts: ["HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nX-Mine: " + "m".repeat(80), 200, "\r\nContent-Length: 2\r\n\r\nok"] };
      case "/32k":
        return { parts: [`HTTP/1.1 200 OK\r\nContent-Length: ${32 * 1024}\r\n\r\n${"p".repeat(32 * 1024)}`] };
      case "/early-hints":
        return { parts: ["HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", 20, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"] };
      case "/until-close":
        return { parts: ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of ", 20, "this"], close: true };
      case "/cut":
        return { parts: ["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", 50], close: true };
      case "/drop":
        return { parts: [], close: true };
      case "/drop-late":
        return { parts: [150], close: true };
      case "/slow":
        return { parts: [400, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow"] };
      case "/echo": {
        const id = /\r\nx-request-id: ([^\r]*)/i.exec(head)?.[1] ?? "";
        return { parts: [`HTTP/1.1 200 OK\r\nx-request-id: ${id}\r\nContent-Length: 4\r\n\r\nmine`] };
      }
      case "/slipped":
        // What a cell whose connection framing slipped sends: an answer that belongs to an earlier request.
        return { parts: ["HTTP/1.1 200 OK\r\nx-request-id: an-earlier-request\r\nContent-Length: 4\r\n\r\nLEAK"] };
      case "/ambiguous":
        return { parts: ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"] };
      default:
        return { parts: ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain"] };
    }
  };

  beforeAll(async () => {
    [cellA, cellB, scripted] = await Promise.all([startRecordingCell("cell-a"), startRecordingCell("cell-b"), startScriptedCell(script)]);
    router = createRouter({
      engine: "raw",
      baseDomains: ["localhost"],
      signingKey: TEST_SIGNING_KEY,
      routes: new LocalRouteSource({ pho: { endpoint: cellA.endpoint }, bun: { endpoint: cellB.endpoint }, framed: { endpoint: scripted.endpoint } }),
      limits: { maxHeaderBytes: 8 * 1024, maxBodyBytes: 64 * 1024 * 1024 },
    });
    url = await router.listen();
    port = Number(new URL(url).port);
  });

  afterAll(async () => {
    await router?.close(500);
    for (const cell of [cellA, cellB]) {
      cell?.server.closeAllConnections();
      await new Promise((resolve) => cell?.server.close(resolve));
    }
    await scripted?.close();
  });

  const inflight = () => [...router.table.cells()].reduce((n, c) => n + c.inflight, 0);

  it.each([
    ["Content-Length with Transfer-Encoding (CL.TE)", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400],
    ["two Transfer-Encoding headers (TE.TE)", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" + SMUGGLED, 400],
    ["an obfuscated Transfer-Encoding", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400],
    ["Transfer-Encoding with chunked not last", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + SMUGGLED, 400],
    ["two different Content-Lengths", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n" + SMUGGLED, 400],
    ["an invalid Content-Length", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nContent-Length: 0x2c\r\n\r\n" + SMUGGLED, 400],
    ["whitespace before a colon", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nContent-Length : 44\r\n\r\n" + SMUGGLED, 400],
    ["obs-fold hiding a header", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400],
    ["bare LF line ends", "GET /x HTTP/1.1\nHost: pho.localhost\n\n" + SMUGGLED, 400],
    ["a control character in a header", "GET /x HTTP/1.1\r\nHost: pho.localhost\r\nX-A: a\u0001b\r\n\r\n" + SMUGGLED, 400],
    ["a bare LF after a chunk size", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nTransfer-Encoding: chunked\r\n\r\n2;\nxx\r\n0\r\n\r\n" + SMUGGLED, 400],
    ["a chunk longer than its size", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxxxx\r\n0\r\n\r\n" + SMUGGLED, 400],
    ["Connection naming Content-Length (drop the framing, keep the body)", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nConnection: keep-alive, Content-Length\r\nContent-Length: 44\r\n\r\n" + SMUGGLED, 400],
    ["Connection naming Transfer-Encoding", "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400],
    ["an oversized head", `GET /x HTTP/1.1\r\nHost: pho.localhost\r\nX-Big: ${"a".repeat(9_000)}\r\n\r\n` + SMUGGLED, 431],
  ])("refuses %s and closes; the smuggled request never reaches a cell", async (_what, bytes, status) => {
    const res = await rawExchange(url, bytes);
    expect(res.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(res.text.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
    expect(res.closed).toBe(true);
    await sleep(50);
    expect([...cellA.seen, ...cellB.seen].filter((s) => s.includes("/admin"))).toEqual([]);
    await eventually("no request left at a cell", () => inflight() === 0, 3_000);
  });

  it("answers an unsupported Expect with 417", async () => {
    const res = await rawExchange(url, "POST /x HTTP/1.1\r\nHost: pho.localhost\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx");
    expect(res.text).toMatch(/^HTTP\/1\.1 417 /);
    expect(res.text).toContain("ROUTER_ERR_EXPECTATION_FAILED");
  });

  it("processes pipelined requests one at a time, in order, each routed by its own Host", async () => {
    const res = await rawExchange(
      url,
      "GET /1 HTTP/1.1\r\nHost: pho.localhost\r\n\r\n" +
        "POST /2 HTTP/1.1\r\nHost: bun.localhost\r\nContent-Length: 3\r\n\r\nabc" +
        "GET /3 HTTP/1.1\r\nHost: nobody.localhost\r\n\r\n" +
        "GET /4 HTTP/1.1\r\nHost: pho.localhost\r\nX-LSP-Tenant: bun\r\nConnection: close\r\n\r\n",
    );
    const statuses = res.text.match(/HTTP\/1\.1 \d+/g);
    expect(statuses).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 404", "HTTP/1.1 200"]);
    const bodies = [...res.text.matchAll(/\{"cell":"(cell-[ab])","url":"([^"]+)","tenant":"(\w+)","bodyBytes":(\d+)/g)].map((m) => m.slice(1).join(" "));
    expect(bodies).toEqual(["cell-a /1 pho 0", "cell-b /2 bun 3", "cell-a /4 pho 0"]);
    expect(res.closed).toBe(true);
  });

  it("passes a chunked upload with extensions and trailers, and a large one, byte for byte", async () => {
    const small = await rawExchange(url, "POST /t HTTP/1.1\r\nHost: pho.localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;name=v\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\n");
    expect(small.text).toContain(`"bodyBytes":5,"sha":"${createHash("sha256").update("hello").digest("hex")}","trailers":{"x-sum":"5"}`);

    const body = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE(i, i);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method: "PUT", path: "/upload", headers: { host: "bun.localhost", "transfer-encoding": "chunked" } }, (r) => {
        let text = "";
        r.on("data", (c: Buffer) => (text += c.toString()));
        r.on("end", () => resolve(text));
      });
      req.on("error", reject);
      for (let i = 0; i < body.length; i += 256 * 1024) req.write(body.subarray(i, i + 256 * 1024));
      req.end();
    });
    expect(JSON.parse(answer)).toMatchObject({ cell: "cell-b", bodyBytes: body.length, sha: createHash("sha256").update(body).digest("hex") });
  });

  it("stops reading a cell while the client does not read (backpressure), then delivers every byte", async () => {
    cellA.bigWritten = 0;
    const socket = net.connect(port, "127.0.0.1");
    socket.write("GET /big HTTP/1.1\r\nHost: pho.localhost\r\nConnection: close\r\n\r\n");
    socket.pause();
    await sleep(700);
    // Without backpressure the router would have read all 32 MiB into memory by now.
    expect(cellA.bigWritten).toBeLessThan(BIG / 2);
    let received = 0;
    socket.on("data", (c: Buffer) => (received += c.length));
    socket.resume();
    await new Promise((resolve) => socket.on("close", resolve));
    expect(received).toBeGreaterThan(BIG);
    expect(cellA.bigWritten).toBe(BIG);
  });

  it("tells the cell when a client aborts mid-body, and serves the next request", async () => {
    const before = cellA.aborted;
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write("POST /upload HTTP/1.1\r\nHost: pho.localhost\r\nContent-Length: 1000000\r\n\r\n");
    socket.write(Buffer.alloc(100_000));
    await eventually("the upload to reach the cell", () => cellA.seen.at(-1) === "POST /upload", 3_000);
    socket.destroy();
    await eventually("the cell to see the abort", () => cellA.aborted === before + 1, 3_000);
    await eventually("no request left at a cell", () => inflight() === 0, 3_000);
    const next = await rawExchange(url, "GET /after HTTP/1.1\r\nHost: pho.localhost\r\nConnection: close\r\n\r\n");
    expect(next.text).toMatch(/^HTTP\/1\.1 200/);
  });

  it("sends 100 Continue once the request is routed, then forwards the body", async () => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
    socket.write("PUT /c HTTP/1.1\r\nHost: pho.localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
    await eventually("100 Continue", () => text.startsWith("HTTP/1.1 100 Continue\r\n\r\n"), 3_000);
    socket.write("hello");
    await new Promise((resolve) => socket.on("close", resolve));
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(text).toContain('"bodyBytes":5');
  });

  it("keeps a final head that follows an interim answer whole while other cells' answers are read in between", async () => {
    const mine = rawExchange(url, "GET /early-split HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n");
    await sleep(60);
    for (let i = 0; i < 5; i++) {
      const other = await rawExchange(url, `GET /other-${i} HTTP/1.1\r\nHost: bun.localhost\r\nConnection: close\r\n\r\n`);
      expect(other.text).toMatch(/^HTTP\/1\.1 200 /);
    }
    const res = await mine;
    expect(res.text).toMatch(/^HTTP\/1\.1 103 Early Hints\r\n/);
    const final = res.text.slice(res.text.indexOf("HTTP/1.1 200 OK"));
    expect(final).toMatch(new RegExp(`^HTTP/1\\.1 200 OK\r\nX-Mine: m{80}\r\n`));
    expect(final.endsWith("\r\n\r\nok")).toBe(true);
    expect(res.text).not.toContain("cell-b");
  });

  it("reads a head that arrives in many small pieces, and still refuses a bare line break in a late piece", async () => {
    const inPieces = async (pieces: string[]) => {
      const socket = net.connect(port, "127.0.0.1");
      let text = "";
      socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
      const closed = new Promise((resolve) => socket.on("close", resolve));
      for (const piece of pieces) {
        socket.write(piece);
        await sleep(5);
      }
      await closed;
      return text;
    };
    const head = `GET /pieces HTTP/1.1\r\nHost: pho.localhost\r\nX-Pad: ${"p".repeat(3_000)}\r\nConnection: close\r\n\r\n`;
    const pieces = head.match(/[\s\S]{1,97}/g)!;
    expect(await inPieces(pieces)).toMatch(/^HTTP\/1\.1 200 /);
    const bare = [...pieces.slice(0, -2), "X-Late: a\nb\r\n", ...pieces.slice(-2)];
    expect(await inPieces(bare)).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("answers thousands of pipelined requests it refuses itself, one after another, without running out of stack", async () => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
    socket.write("GET / HTTP/1.1\r\n\r\n".repeat(5_000) + "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    await new Promise((resolve) => socket.on("close", resolve));
    expect(text.match(/HTTP\/1\.1 400 /g)).toHaveLength(5_001);
    // Still serving.
    expect((await rawExchange(url, "GET /x HTTP/1.1\r\nHost: pho.localhost\r\nConnection: close\r\n\r\n")).text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("sends no more pipelined requests to the cell while the client reads none of the answers, then answers them all", async () => {
    const before = scripted.heads.filter((h) => h.startsWith("GET /32k ")).length;
    const count = 3_000;
    const socket = net.connect(port, "127.0.0.1");
    socket.pause();
    socket.write("GET /32k HTTP/1.1\r\nHost: framed.localhost\r\n\r\n".repeat(count - 1) + "GET /32k HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n");
    await sleep(1_000);
    // What the kernel buffers hold, and a little: not 3,000 answers (96 MiB) kept in the router.
    expect(scripted.heads.filter((h) => h.startsWith("GET /32k ")).length - before).toBeLessThan(count / 3);
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
    socket.resume();
    await new Promise((resolve) => socket.on("close", resolve));
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(count);
  }, 30_000);

  it("passes chunked answers with extensions and trailers unchanged and reuses the cell connection", async () => {
    const before = scripted.connections;
    const res = await rawExchange(url, "GET /trailers HTTP/1.1\r\nHost: framed.localhost\r\n\r\nGET /trailers HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n");
    const answers = res.text.split("HTTP/1.1 200 OK").slice(1);
    expect(answers).toHaveLength(2);
    for (const a of answers) {
      expect(a).toMatch(/transfer-encoding: chunked\r\n/);
      expect(a.endsWith("\r\n\r\n5;ext=a\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\n")).toBe(true);
    }
    expect(scripted.connections - before).toBeLessThanOrEqual(1);
  });

  it("knows HEAD, 204 and 304 answers have no body, relays interim answers, and keeps the connection going", async () => {
    const res = await rawExchange(
      url,
      "HEAD /head HTTP/1.1\r\nHost: framed.localhost\r\n\r\n" +
        "GET /no-content HTTP/1.1\r\nHost: framed.localhost\r\n\r\n" +
        "GET /not-modified HTTP/1.1\r\nHost: framed.localhost\r\n\r\n" +
        "GET /early-hints HTTP/1.1\r\nHost: framed.localhost\r\n\r\n" +
        "GET /plain HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n",
    );
    expect(res.text.match(/HTTP\/1\.1 \d+/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 204", "HTTP/1.1 304", "HTTP/1.1 103", "HTTP/1.1 200", "HTTP/1.1 200"]);
    expect(res.text).toMatch(/Content-Length: 100\r\nx-request-id: [0-9a-f]{32}\r\n\r\nHTTP\/1\.1 204/);
    expect(res.text).toMatch(/HTTP\/1\.1 103 Early Hints\r\nLink: <\/a\.css>\r\nx-request-id: [0-9a-f]{32}\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(res.text).toMatch(/\r\n\r\nokHTTP\/1\.1 200 OK/);
    expect(res.text.endsWith("\r\n\r\nplain")).toBe(true);
  });

  it("keeps an HTTP/1.0 connection that asks for keep-alive, closes one that does not, and sends it no interim answer", async () => {
    const res = await rawExchange(
      url,
      "GET /plain HTTP/1.0\r\nHost: framed.localhost\r\nConnection: keep-alive\r\n\r\n" +
        "GET /early-hints HTTP/1.0\r\nHost: framed.localhost\r\nConnection: keep-alive\r\n\r\n" +
        "GET /plain HTTP/1.0\r\nHost: framed.localhost\r\n\r\n" +
        "GET /never HTTP/1.0\r\nHost: framed.localhost\r\n\r\n",
    );
    const answers = res.text.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => a.slice(0, 12))).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 200"]);
    expect(answers[0]).toMatch(/\r\nconnection: keep-alive\r\n\r\nplain$/);
    expect(answers[1]).toMatch(/\r\nconnection: keep-alive\r\n\r\nok$/);
    expect(answers[2]).toMatch(/\r\nconnection: close\r\n\r\nplain$/);
    expect(res.closed).toBe(true);
    expect(scripted.heads.some((h) => h.startsWith("GET /never"))).toBe(false);
  });

  it("keeps every connection's bytes its own while all of them read through the shared buffers", async () => {
    // Each client uploads a different body in uneven pieces with pauses, so reads of many
    // connections interleave on the router's shared read buffers; the cell echoes it back. Every
    // fourth is large, read late by the cell and late by its client, so the router's writes both
    // ways queue in memory while other connections' reads reuse the buffers.
    const clients = Array.from({ length: 24 }, (_, i) => {
      const body = Buffer.alloc(i % 4 === 0 ? 6 * 1024 * 1024 + i : 1 + ((i * 7919) % 200_000));
      for (let j = 0; j < body.length; j++) body[j] = (i * 31 + j * 17 + (j >> 8)) & 0xff;
      return body;
    });
    const echoed = await Promise.all(
      clients.map(
        (body, i) =>
          new Promise<Buffer>((resolve, reject) => {
            const large = i % 4 === 0;
            const headers = { host: i % 2 ? "pho.localhost" : "bun.localhost", "content-length": String(body.length) };
            const req = http.request({ host: "127.0.0.1", port, method: "POST", path: large ? "/echo?slow" : "/echo", agent: false, headers }, (r) => {
              const parts: Buffer[] = [];
              if (large) {
                r.pause();
                setTimeout(() => r.resume(), 500);
              }
              r.on("data", (c: Buffer) => parts.push(c));
              r.on("end", () => resolve(Buffer.concat(parts)));
            });
            req.on("error", reject);
            void (async () => {
              if (large) req.write(body);
              else
                for (let at = 0, piece = 1 + i; at < body.length; at += piece, piece = ((piece * 3) % 9_000) + 1) {
                  req.write(body.subarray(at, at + piece));
                  if (at % 3 === 0) await sleep(1);
                }
              req.end();
            })();
          }),
      ),
    );
    echoed.forEach((got, i) => expect(got.equals(clients[i]!)).toBe(true));
    await eventually("no request left at a cell", () => inflight() === 0, 3_000);
  });

  it("relays an answer framed by the cell closing, then closes the client connection", async () => {
    const res = await rawExchange(url, "GET /until-close HTTP/1.1\r\nHost: framed.localhost\r\n\r\n");
    expect(res.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(res.text).toMatch(/connection: close\r\n/);
    expect(res.text.endsWith("\r\n\r\nall of this")).toBe(true);
    expect(res.closed).toBe(true);
  });

  it("cuts the client connection when the cell closes mid-response, and answers 502 to an ambiguous response head", async () => {
    const cut = await rawExchange(url, "GET /cut HTTP/1.1\r\nHost: framed.localhost\r\n\r\n");
    expect(cut.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(cut.text.endsWith("\r\n\r\n0123456789")).toBe(true);
    expect(cut.closed).toBe(true);
    const bad = await rawExchange(url, "GET /ambiguous HTTP/1.1\r\nHost: framed.localhost\r\n\r\n");
    expect(bad.text).toMatch(/^HTTP\/1\.1 502 /);
    expect(bad.text).toContain("ROUTER_ERR_BAD_GATEWAY");
    await eventually("no request left at a cell", () => inflight() === 0, 3_000);
  });

  it("passes an answer that echoes its request id, and refuses one naming another request (502, never its body)", async () => {
    const echoed = await rawExchange(url, "GET /echo HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n");
    expect(echoed.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(echoed.text.match(/x-request-id:/gi)).toHaveLength(1);
    expect(echoed.text.endsWith("\r\n\r\nmine")).toBe(true);
    const connectionsBefore = scripted.connections;
    const slipped = await rawExchange(url, "GET /slipped HTTP/1.1\r\nHost: framed.localhost\r\n\r\nGET /plain HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n");
    expect(slipped.text).toMatch(/^HTTP\/1\.1 502 /);
    expect(slipped.text).toContain("ROUTER_ERR_BAD_GATEWAY");
    expect(slipped.text).not.toContain("LEAK");
    // That cell connection is not trusted again: the pipelined request behind went out on another.
    expect(slipped.text).toMatch(/\r\n\r\nplain$/);
    expect(scripted.connections).toBeGreaterThan(connectionsBefore);
    await eventually("no request left at a cell", () => inflight() === 0, 3_000);
  });

  it("retries a GET once on a new connection when a pooled cell connection closes unanswered, and never a POST", async () => {
    await rawExchange(url, "GET /plain HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n");
    const drops = () => scripted.heads.filter((h) => h.startsWith("GET /drop") || h.startsWith("POST /drop")).length;
    const get = await rawExchange(url, "GET /drop HTTP/1.1\r\nHost: framed.localhost\r\n\r\n");
    expect(get.text).toMatch(/^HTTP\/1\.1 502 /);
    expect(drops()).toBe(2);
    await rawExchange(url, "GET /plain HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n");
    const post = await rawExchange(url, "POST /drop HTTP/1.1\r\nHost: framed.localhost\r\nContent-Length: 0\r\n\r\n");
    expect(post.text).toMatch(/^HTTP\/1\.1 502 /);
    expect(drops()).toBe(3);
    // A GET with a body is not retried either: the retry would announce a body it no longer has,
    // and the cell would read the next request on that connection as the missing bytes.
    await rawExchange(url, "GET /plain HTTP/1.1\r\nHost: framed.localhost\r\nConnection: close\r\n\r\n");
    const withBody = await rawExchange(url, `GET /drop HTTP/1.1\r\nHost: framed.localhost\r\nContent-Length: 40\r\n\r\n${"X".repeat(40)}`);
    expect(withBody.text).toMatch(/^HTTP\/1\.1 502 /);
    expect(drops()).toBe(4);
  });

  it("sends nothing more to a cell that declines an upgrade: its answer reaches the client, then both sides close", async () => {
    // cell-a has no upgrade handler: node:http answers the upgrade as a plain request (200).
    const res = await rawExchange(url, "GET /ws HTTP/1.1\r\nHost: pho.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" + SMUGGLED);
    expect(res.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(res.text.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
    expect(res.closed).toBe(true);
    await sleep(50);
    expect([...cellA.seen, ...cellB.seen].filter((s) => s.includes("/admin"))).toEqual([]);
  });

  it("refuses an upgrade request that carries a body", async () => {
    const res = await rawExchange(url, "GET /ws-with-body HTTP/1.1\r\nHost: pho.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n2c\r\n" + SMUGGLED + "\r\n0\r\n\r\n");
    expect(res.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(res.closed).toBe(true);
    await sleep(50);
    expect([...cellA.seen, ...cellB.seen].filter((s) => s.includes("/admin") || s.includes("/ws-with-body"))).toEqual([]);
  });

  it("answers requests queued for a cell's busy pool with 503 + Retry-After when their route moves, at once", async () => {
    const routes = new LocalRouteSource({ queued: { endpoint: scripted.endpoint } });
    const small = createRouter({ engine: "raw", baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes, upstream: { connections: 1 } });
    const smallUrl = await small.listen();
    try {
      const busy = rawExchange(smallUrl, "GET /slow HTTP/1.1\r\nHost: queued.localhost\r\nConnection: close\r\n\r\n", 2_000);
      await sleep(50);
      const queued = rawExchange(smallUrl, "GET /plain HTTP/1.1\r\nHost: queued.localhost\r\nConnection: close\r\n\r\n", 2_000);
      await sleep(50);
      const moved = performance.now();
      routes.set("queued", { endpoint: cellB.endpoint });
      const answer = await queued;
      expect(answer.text).toMatch(/^HTTP\/1\.1 503 /);
      expect(answer.text).toMatch(/retry-after: \d+/i);
      expect(answer.text).toContain("ROUTER_ERR_CELL_UNAVAILABLE");
      // Answered (and closed, as asked) when the route moved: before the busy request's answer
      // (400 ms) and long before the client would give up (2 s).
      expect(answer.closed).toBe(true);
      expect(performance.now() - moved).toBeLessThan(300);
      expect((await busy).text).toMatch(/^HTTP\/1\.1 200 [\s\S]*slow$/);
      // The next request goes to the new cell.
      const next = await rawExchange(smallUrl, "GET /plain HTTP/1.1\r\nHost: queued.localhost\r\nConnection: close\r\n\r\n");
      expect(next.text).toContain('"cell":"cell-b"');
    } finally {
      await small.close(200);
    }
  });

  it("does not retry a GET on a cell its tenant has moved away from: 503 + Retry-After instead", async () => {
    const routes = new LocalRouteSource({ moving: { endpoint: scripted.endpoint } });
    const small = createRouter({ engine: "raw", baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes, upstream: { connections: 1 } });
    const smallUrl = await small.listen();
    try {
      // A pooled socket to the old cell, then a GET on it that the cell drops after the move.
      expect((await rawExchange(smallUrl, "GET /plain HTTP/1.1\r\nHost: moving.localhost\r\nConnection: close\r\n\r\n")).text).toMatch(/^HTTP\/1\.1 200 /);
      const before = scripted.heads.filter((h) => h.startsWith("GET /drop-late ")).length;
      const dropped = rawExchange(smallUrl, "GET /drop-late HTTP/1.1\r\nHost: moving.localhost\r\nConnection: close\r\n\r\n", 2_000);
      await sleep(50);
      routes.set("moving", { endpoint: cellB.endpoint });
      const answer = await dropped;
      expect(answer.text).toMatch(/^HTTP\/1\.1 503 /);
      expect(answer.text).toContain("ROUTER_ERR_CELL_UNAVAILABLE");
      expect(scripted.heads.filter((h) => h.startsWith("GET /drop-late ")).length - before).toBe(1);
    } finally {
      await small.close(200);
    }
  });

  it("cuts a response its client stopped reading after clientSendTimeoutMs, so the cell connection serves others again", async () => {
    const routes = new LocalRouteSource({ greedy: { endpoint: cellA.endpoint }, other: { endpoint: cellA.endpoint } });
    const small = createRouter({ engine: "raw", baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes, upstream: { connections: 1 }, limits: { clientSendTimeoutMs: 300, upstreamTimeoutMs: 5_000 } });
    const smallUrl = await small.listen();
    const stalled = net.connect(Number(new URL(smallUrl).port), "127.0.0.1");
    stalled.on("error", () => {});
    cellA.bigWritten = 0;
    try {
      stalled.write("GET /big HTTP/1.1\r\nHost: greedy.localhost\r\n\r\n");
      stalled.pause();
      await sleep(100);
      // The one cell connection carries the unread /big; another tenant's request waits for it.
      const started = performance.now();
      const other = await rawExchange(smallUrl, "GET /plain HTTP/1.1\r\nHost: other.localhost\r\nConnection: close\r\n\r\n", 4_000);
      expect(other.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(performance.now() - started).toBeLessThan(3_000);
      await eventually("the stalled connection closed", async () => (await small.openConnections()) === 0, 3_000);
    } finally {
      stalled.destroy();
      await small.close(200);
    }
  });

  it("closes a connection it ended with answers still unread once clientSendTimeoutMs has passed", async () => {
    const small = createRouter({ engine: "raw", baseDomains: ["localhost"], signingKey: TEST_SIGNING_KEY, routes: new LocalRouteSource({}), limits: { clientSendTimeoutMs: 300 } });
    const smallUrl = await small.listen();
    const silent = net.connect(Number(new URL(smallUrl).port), "127.0.0.1");
    silent.on("error", () => {});
    try {
      silent.pause();
      // Refused requests (no Host) until the answers back up: the router then ends the connection.
      silent.write("GET / HTTP/1.1\r\n\r\n".repeat(100_000));
      await eventually("the router took the connection", async () => (await small.openConnections()) === 1, 2_000);
      await eventually("the ended connection closed although its answers were never read", async () => (await small.openConnections()) === 0, 3_000);
    } finally {
      silent.destroy();
      await small.close(200);
    }
  });
});
