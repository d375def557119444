// The router against real cell-like upstream processes: routing, headers, streaming, every
// error answer, live updates and holds.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../scripts/services/processes.js";
import { createRouter, LocalRouteSource, type Router } from "./index.js";
import { rawExchange, send } from "./testing/client.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess, TEST_ENGINE } from "./testing/processes.js";

describe("Given a router in front of two cell processes", () => {
  let cellA: CellProcess;
  let cellB: CellProcess;
  let routes: LocalRouteSource;
  let router: Router;
  let url: string;
  let deadPort: number;

  beforeAll(async () => {
    [cellA, cellB, deadPort] = await Promise.all([startCell("cell-a"), startCell("cell-b"), freePort()]);
    routes = new LocalRouteSource({
      pho: { endpoint: cellA.endpoint },
      bun: { endpoint: cellB.endpoint },
      closed: { endpoint: cellA.endpoint, suspended: true },
      pending: {},
      gone: { endpoint: `http://127.0.0.1:${deadPort}` },
    });
    router = createRouter({
      engine: TEST_ENGINE,
      baseDomains: ["localstoreplatform.com", "localhost"],
      signingKey: TEST_SIGNING_KEY,
      routes,
      adminPort: 0,
      tenantLabelLimit: 2,
      limits: { upstreamTimeoutMs: 500, headersTimeoutMs: 1_000, maxHeaderBytes: 8 * 1024, maxBodyBytes: 1024 * 1024, holdTimeoutMs: 800 },
    });
    url = await router.listen();
  });

  afterAll(async () => {
    await router?.close();
    await Promise.all([cellA?.stop(), cellB?.stop()]);
  });

  it("sends each tenant to its own cell with a tenant header the cell verifies", async () => {
    const [pho, bun] = await Promise.all([send(url, { host: "pho.localstoreplatform.com" }), send(url, { host: "BUN.localhost.:8080" })]);
    expect([pho.status, pho.json().cell, pho.json().tenant, pho.json().verified]).toEqual([200, "cell-a", "pho", true]);
    expect([bun.status, bun.json().cell, bun.json().tenant, bun.json().verified]).toEqual([200, "cell-b", "bun", true]);
    expect(pho.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(pho.headers["x-cell"]).toBe("cell-a");
  });

  it("strips client copies of internal headers and sets X-Forwarded-*, a request id and a trace context", async () => {
    const res = await send(url, {
      host: "pho.localhost",
      path: "/echo?q=1",
      headers: { "x-lsp-tenant": "bun", "x-lsp-tenant-signature": "t=1,v1=00", "x-forwarded-for": "6.6.6.6", "x-request-id": "forged", "x-lsp-admin": "1" },
    });
    const echoed = res.json<{ tenant: string; url: string; headers: Record<string, string> }>();
    expect(echoed.tenant).toBe("pho");
    expect(echoed.url).toBe("/echo?q=1");
    expect(echoed.headers["x-lsp-admin"]).toBeUndefined();
    expect(echoed.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(echoed.headers["x-forwarded-host"]).toBe("pho.localhost");
    expect(echoed.headers["x-forwarded-proto"]).toBe("http");
    expect(echoed.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers["x-request-id"]).toBe(echoed.headers["x-request-id"]);
    expect(echoed.headers.traceparent).toBe(`00-${echoed.headers["x-request-id"]}-${echoed.headers.traceparent!.slice(36, 52)}-01`);
  });

  it("propagates the caller's OpenTelemetry trace context unchanged", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const res = await send(url, { host: "pho.localhost", headers: { traceparent, tracestate: "vendor=1" } });
    expect(res.json<{ headers: Record<string, string> }>().headers).toMatchObject({ traceparent, tracestate: "vendor=1" });
  });

  it("streams a chunked upload to the cell and a streamed answer back", async () => {
    const body = Buffer.alloc(900 * 1024, "phở ");
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const target = new URL(url);
      const req = http.request({ host: target.hostname, port: target.port, method: "POST", path: "/upload", headers: { host: "pho.localhost", "transfer-encoding": "chunked" } }, (r) => {
        let text = "";
        r.on("data", (c: Buffer) => (text += c.toString()));
        r.on("end", () => resolve({ status: r.statusCode!, text }));
      });
      req.on("error", reject);
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ bodyBytes: body.length, bodySha256: createHash("sha256").update(body).digest("hex") });
    const streamed = await send(url, { host: "pho.localhost", path: "/stream?chunks=5" });
    expect(streamed.body).toBe("chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n");
  });

  it("answers an unknown tenant with 404 ROUTER_ERR_UNKNOWN_TENANT: JSON by default, HTML for a browser", async () => {
    const json = await send(url, { host: "nobody.localhost" });
    expect(json.status).toBe(404);
    expect(json.headers["content-type"]).toMatch(/application\/json/);
    expect(json.json()).toMatchObject({ error: { code: "ROUTER_ERR_UNKNOWN_TENANT", status: 404 } });
    const html = await send(url, { host: "nobody.localhost", headers: { accept: "text/html,application/xhtml+xml" } });
    expect(html.status).toBe(404);
    expect(html.headers["content-type"]).toMatch(/text\/html/);
    expect(html.body).toContain("ROUTER_ERR_UNKNOWN_TENANT");
    // A tenant the operator has not given an endpoint yet is unknown too.
    expect((await send(url, { host: "pending.localhost" })).json()).toMatchObject({ error: { code: "ROUTER_ERR_UNKNOWN_TENANT" } });
  });

  it("answers a suspended tenant with 403 ROUTER_ERR_TENANT_SUSPENDED", async () => {
    const res = await send(url, { host: "closed.localhost" });
    expect([res.status, res.json<{ error: { code: string } }>().error.code]).toEqual([403, "ROUTER_ERR_TENANT_SUSPENDED"]);
  });

  it("answers 400 ROUTER_ERR_BAD_HOST for hosts outside the rule, duplicate Host headers and a mismatched absolute URI", async () => {
    expect((await send(url, { host: "a.b.localhost" })).status).toBe(400);
    expect((await send(url, { host: "localhost" })).status).toBe(400);
    const duplicate = await rawExchange(url, "GET /echo HTTP/1.1\r\nHost: pho.localhost\r\nHost: bun.localhost\r\nConnection: close\r\n\r\n");
    expect(duplicate.text).toMatch(/^HTTP\/1\.1 400/);
    expect(duplicate.text).toContain("ROUTER_ERR_BAD_HOST");
    const absolute = await rawExchange(url, "GET http://bun.localhost/echo HTTP/1.1\r\nHost: pho.localhost\r\nConnection: close\r\n\r\n");
    expect(absolute.text).toMatch(/^HTTP\/1\.1 400/);
    const sameTenant = await rawExchange(url, "GET http://PHO.localhost/echo?x=1 HTTP/1.1\r\nHost: pho.localhost\r\nConnection: close\r\n\r\n");
    expect(sameTenant.text).toMatch(/^HTTP\/1\.1 200/);
    expect(sameTenant.text).toContain('"url":"/echo?x=1"');
    const missing = await rawExchange(url, "GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(missing.text).toMatch(/^HTTP\/1\.1 400/);
  });

  it("answers 503 ROUTER_ERR_CELL_UNAVAILABLE with Retry-After within 50 ms when the cell is unreachable", async () => {
    const first = await send(url, { host: "gone.localhost" });
    const second = await send(url, { host: "gone.localhost" });
    for (const res of [first, second]) {
      expect([res.status, res.headers["retry-after"], res.json<{ error: { code: string } }>().error.code]).toEqual([503, "1", "ROUTER_ERR_CELL_UNAVAILABLE"]);
      expect(res.ms).toBeLessThan(50);
    }
  });

  it("routes to a cell again once it is back after the fail-fast window", async () => {
    const port = await freePort();
    routes.set("flaky", { endpoint: `http://127.0.0.1:${port}` });
    expect((await send(url, { host: "flaky.localhost" })).status).toBe(503);
    const markedDown = performance.now();
    const fast = await send(url, { host: "flaky.localhost" });
    expect([fast.status, fast.ms < 50]).toEqual([503, true]);
    const revived = await startCell("cell-revived", port);
    try {
      await sleep(Math.max(0, markedDown + 1_100 - performance.now()));
      const res = await send(url, { host: "flaky.localhost" });
      expect([res.status, res.json().cell]).toEqual([200, "cell-revived"]);
      expect((await send(url, { host: "flaky.localhost" })).status).toBe(200);
    } finally {
      await revived.stop();
    }
  });

  it("answers 504 ROUTER_ERR_UPSTREAM_TIMEOUT when the cell does not answer in time", async () => {
    const res = await send(url, { host: "pho.localhost", path: "/slow?ms=3000" });
    expect([res.status, res.json<{ error: { code: string } }>().error.code]).toEqual([504, "ROUTER_ERR_UPSTREAM_TIMEOUT"]);
    expect(res.ms).toBeLessThan(2_000);
  });

  it("refuses oversized headers with 431 and oversized bodies with 413, declared or chunked", async () => {
    const headers = await rawExchange(url, `GET /echo HTTP/1.1\r\nHost: pho.localhost\r\nX-Big: ${"a".repeat(10_000)}\r\n\r\n`);
    expect(headers.text).toMatch(/^HTTP\/1\.1 431/);
    expect(headers.text).toContain("ROUTER_ERR_HEADERS_TOO_LARGE");
    const declared = await send(url, { host: "pho.localhost", method: "POST", path: "/upload", headers: { "content-length": String(2 * 1024 * 1024) }, body: Buffer.alloc(2 * 1024 * 1024) }).catch(
      (e: Error) => e,
    );
    expect(declared).toMatchObject({ status: 413 });
    const chunked = await rawExchange(
      url,
      `POST /upload HTTP/1.1\r\nHost: pho.localhost\r\nTransfer-Encoding: chunked\r\n\r\n` + `100000\r\n${"x".repeat(0x100000)}\r\n`.repeat(2) + "0\r\n\r\n",
    );
    expect(chunked.text).toMatch(/^HTTP\/1\.1 413/);
    expect(chunked.text).toContain("ROUTER_ERR_BODY_TOO_LARGE");
  });

  it("never lets Connection remove a request's framing: refused by the raw engine, forwarded whole by the node engine", async () => {
    // A body that is itself a request: if Content-Length were dropped as hop-by-hop, the cell
    // would read it as a second request the router never checked.
    const smuggled = "GET /admin HTTP/1.1\r\nHost: pho.localhost\r\n\r\n";
    const res = await rawExchange(url, `POST /echo HTTP/1.1\r\nHost: pho.localhost\r\nConnection: close, Content-Length\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`);
    expect(res.text.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
    if (TEST_ENGINE === "raw") {
      expect(res.text).toMatch(/^HTTP\/1\.1 400 /);
    } else {
      expect(res.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(res.text).toContain(`"url":"/echo"`);
      expect(res.text).toContain(`"bodyBytes":${smuggled.length}`);
    }
    expect(res.text).not.toContain("/admin");
  });

  it("cuts off a slowloris client that never finishes its request head", async () => {
    const started = performance.now();
    const target = new URL(url);
    const result = await new Promise<{ text: string; ms: number }>((resolve) => {
      const socket = net.connect(Number(target.port), target.hostname);
      let text = "";
      socket.write("GET /echo HTTP/1.1\r\nHost: pho.localhost\r\n");
      const drip = setInterval(() => socket.writable && socket.write("X-a: b\r\n"), 100);
      socket.on("data", (c: Buffer) => (text += c.toString()));
      socket.on("close", () => {
        clearInterval(drip);
        resolve({ text, ms: performance.now() - started });
      });
      socket.on("error", () => {});
    });
    expect(result.text).toMatch(/^HTTP\/1\.1 408/);
    expect(result.text).toContain("ROUTER_ERR_REQUEST_TIMEOUT");
    expect(result.ms).toBeLessThan(3_000);
  });

  it("applies route changes to the next request", async () => {
    routes.set("moving", { endpoint: cellA.endpoint });
    expect((await send(url, { host: "moving.localhost" })).json().cell).toBe("cell-a");
    routes.set("moving", { endpoint: cellB.endpoint });
    expect((await send(url, { host: "moving.localhost" })).json().cell).toBe("cell-b");
    routes.delete("moving");
    expect((await send(url, { host: "moving.localhost" })).status).toBe(404);
  });

  it("holds a moving tenant's requests and releases them to its new cell", async () => {
    routes.set("hold-me", { endpoint: cellA.endpoint, hold: true });
    const pending = Promise.all([send(url, { host: "hold-me.localhost" }), send(url, { host: "hold-me.localhost", method: "POST", path: "/upload", body: "kept" })]);
    await sleep(300);
    routes.set("hold-me", { endpoint: cellB.endpoint, hold: false });
    const [get, post] = await pending;
    expect([get.status, get.json().cell, get.json().tenant]).toEqual([200, "cell-b", "hold-me"]);
    expect([post.status, post.json().cell, post.json().bodyBytes]).toEqual([200, "cell-b", 4]);
    expect(get.ms).toBeGreaterThanOrEqual(250);
  });

  it("answers 503 ROUTER_ERR_HOLD_TIMEOUT when a hold outlasts its bound", async () => {
    routes.set("stuck", { endpoint: cellA.endpoint, hold: true });
    const res = await send(url, { host: "stuck.localhost" });
    expect([res.status, res.headers["retry-after"], res.json<{ error: { code: string } }>().error.code]).toEqual([503, "1", "ROUTER_ERR_HOLD_TIMEOUT"]);
    expect(res.ms).toBeGreaterThanOrEqual(750);
    expect(res.ms).toBeLessThan(2_000);
    expect(router.table.get("stuck")!.held ?? []).toHaveLength(0);
  });

  it("reports per-cell metrics with capped tenant labels, and /healthz", async () => {
    await Promise.all(["pho", "bun", "pho", "hold-me"].map((t) => send(url, { host: `${t}.localhost` })));
    const metrics = await (await fetch(`${router.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`lsp_router_cell_requests_total\\{cell="${cellA.endpoint}"\\} \\d+`));
    expect(metrics).toMatch(new RegExp(`lsp_router_request_duration_seconds_bucket\\{cell="${cellB.endpoint}",le="\\+Inf"\\} \\d+`));
    expect(metrics).toMatch(/lsp_router_answers_total\{code="ROUTER_ERR_UNKNOWN_TENANT"\} \d+/);
    expect(metrics).toMatch(/lsp_router_cell_errors_total\{cell="[^"]+",code="ROUTER_ERR_UPSTREAM_TIMEOUT"\} 1/);
    const tenantLines = metrics.split("\n").filter((l) => l.startsWith("lsp_router_tenant_requests_total{"));
    expect(tenantLines).toHaveLength(3);
    expect(tenantLines.at(-1)).toMatch(/tenant="_other"/);
    const health = await fetch(`${router.adminUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", source: "local", synced: true });
    // The public port never serves them.
    expect((await send(url, { host: "pho.localhost", path: "/metrics" })).json().cell).toBe("cell-a");
  });
});
