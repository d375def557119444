import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { startTestCell, type Member, type TestCell } from "../testing/cell.js";
import { routerHeaders } from "../testing/identity.js";
import { MAX_GRAPHQL_BODY_BYTES } from "../../common/graphql-body-limit.js";
import { createCellServer, TRACER_NAME } from "./index.js";

describe("Given a running cell API process", () => {
  let cell: TestCell;
  let base: string;
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const owner: Member = { tenant: "xoi", role: "owner" };

  beforeAll(async () => {
    cell = await startTestCell("server", { redis: true, tracer: provider.getTracer(TRACER_NAME), platformKey: "server-test-platform-key-0123456789" });
    await cell.provision({ slug: "xoi" });
    base = await cell.server.listen(0);
  });
  afterAll(() => cell.close());

  it("answers /healthz and /readyz over HTTP with its dependencies checked", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
    // Not through the router: a tenant's host learns nothing of the cell's dependencies.
    const viaTenantHost = await fetch(`${base}/readyz`, { headers: routerHeaders("xoi") });
    expect(viaTenantHost.status).toBe(404);
    expect(await viaTenantHost.text()).not.toMatch(/postgres|redis|ready/);
  });

  it("keeps the usage feed (/internal/*) from requests the router forwarded from a tenant's host", async () => {
    const feed = `${base}/internal/outbox?tenant=xoi&after=0&limit=1`;
    // Called directly, the feed is there and asks for the platform key.
    expect((await fetch(feed)).status).toBe(401);
    const viaTenantHost = await fetch(feed, { headers: routerHeaders("xoi") });
    expect(viaTenantHost.status).toBe(404);
  });

  it("says only the error's code on /readyz when Postgres is unreachable", async () => {
    const broken = createCellServer({ databaseUrl: "postgres://secret_role:secret_pw@127.0.0.1:1/hidden_db", schema: "cell_x", routerSigningKey: "k".repeat(32), keys: { jwks: cell.issuer.jwks }, poolSize: 1, logLevel: "silent" });
    try {
      const answer = await fetch(`${await broken.listen(0)}/readyz`);
      expect(answer.status).toBe(503);
      const text = await answer.text();
      expect(JSON.parse(text)).toEqual({ status: "not ready", checks: { postgres: "failed (ECONNREFUSED)" } });
      expect(text).not.toMatch(/secret|hidden|127\.0\.0\.1/);
    } finally {
      await broken.close();
    }
  });

  it("serves GraphQL over HTTP at /graphql and unknown paths with 404", async () => {
    const token = await cell.issuer.token({ memberships: [{ tenant: "xoi", role: "owner", locations: "*" }] });
    const response = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...routerHeaders("xoi") },
      body: JSON.stringify({ query: "{ tenant { slug } }" }),
    });
    expect(await response.json()).toEqual({ data: { tenant: { slug: "xoi" } } });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it("echoes the router's request id on every kind of answer, so the router can tell answers apart", async () => {
    const id = { "x-request-id": "rid-0123456789abcdef" };
    const token = await cell.issuer.token({ memberships: [{ tenant: "xoi", role: "owner", locations: "*" }] });
    const answers = await Promise.all([
      fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...routerHeaders("xoi"), ...id }, body: '{"query":"{ tenant { slug } }"}' }),
      fetch(`${base}/healthz`, { headers: id }),
      fetch(`${base}/nope`, { headers: id }),
      fetch(`${base}/webhooks/momo/ipn`, { method: "POST", headers: { "content-type": "application/json", ...id }, body: "{}" }),
      // socket.io's engine answers its own requests (here a long-polling handshake).
      fetch(`${base}/socket.io/?EIO=4&transport=polling`, { headers: id }),
    ]);
    expect(answers.map((a) => a.headers.get("x-request-id"))).toEqual(Array(5).fill("rid-0123456789abcdef"));
  });

  it("reads a large body within the limit, and refuses one over it (413) or without a length (411) unread", async () => {
    const token = await cell.issuer.token({ memberships: [{ tenant: "xoi", role: "owner", locations: "*" }] });
    const headers = { "content-type": "application/json", authorization: `Bearer ${token}`, ...routerHeaders("xoi") };
    const padded = (bytes: number) => JSON.stringify({ query: "{ tenant { slug } }", extensions: { pad: "x".repeat(bytes) } });
    const within = await fetch(`${base}/graphql`, { method: "POST", headers, body: padded(MAX_GRAPHQL_BODY_BYTES - 200) });
    expect(await within.json()).toEqual({ data: { tenant: { slug: "xoi" } } });

    const over = await fetch(`${base}/graphql`, { method: "POST", headers, body: padded(MAX_GRAPHQL_BODY_BYTES) });
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({ errors: [{ extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }] });

    const url = new URL(`${base}/graphql`);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ query: "{ tenant { slug } }" }));
    });
    expect(chunked.status).toBe(411);
    expect(JSON.parse(chunked.body)).toMatchObject({ errors: [{ extensions: { code: "LENGTH_REQUIRED" } }] });
  });

  it("exposes Prometheus metrics at /metrics", async () => {
    await cell.ok(owner, "{ locations { name } }");
    const body = await (await fetch(`${base}/metrics`)).text();
    expect(body).toMatch(/lsp_cell_graphql_operation_seconds_count\{type="query",outcome="ok"\} \d+/);
    expect(body).toContain("lsp_cell_http_requests_total");
    expect(body).toContain("lsp_cell_process_cpu_seconds_total");
    // Not through the router: a tenant's host must not show the traffic of the cell's other tenants.
    expect((await fetch(`${base}/metrics`, { headers: routerHeaders("xoi") })).status).toBe(404);
  });

  it("records an OpenTelemetry span per operation, with error codes", async () => {
    exporter.reset();
    await cell.ok(owner, "query Locations { locations { id } }");
    await cell.gql(owner, "mutation Bad { createMenuCategory(input: { name: \"\" }) { id } }");
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans().map((s) => ({ name: s.name, codes: s.attributes["graphql.error.codes"] }));
    expect(spans).toEqual([{ name: "query Locations", codes: undefined }, { name: "mutation Bad", codes: "BAD_USER_INPUT" }]);
  });

  it("refuses queries that are too deep or too costly before running them", async () => {
    const deep = await cell.gql(owner, "{ menuCategories { items { category { items { category { items { category { items { name } } } } } } } } }");
    expect(deep.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "depth" });
    const wide = `{ ${Array.from({ length: 12 }, (_, i) => `a${i}: orders(first: 200) { edges { node { lines { itemName } payments { method } } } }`).join(" ")} }`;
    const costly = await cell.gql(owner, wide);
    expect(costly.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("masks unexpected errors and keeps expected ones with their codes", async () => {
    const expected = await cell.gql(owner, "{ order(id: \"not-a-uuid\") { id } }");
    expect(expected.errors?.[0]).toMatchObject({ message: expect.stringContaining("id"), extensions: { code: "BAD_USER_INPUT", field: "id" } });
    // Break the database under the server: the resulting driver error must not leak.
    await cell.db.admin.query(`alter table ${cell.db.schema}.staff_members rename column phone to phone_hidden`);
    try {
      const unexpected = await cell.gql(owner, "{ staff { phone } }");
      expect(unexpected.errors?.[0]).toEqual(expect.objectContaining({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }));
      expect(JSON.stringify(unexpected)).not.toContain("phone_hidden");
    } finally {
      await cell.db.admin.query(`alter table ${cell.db.schema}.staff_members rename column phone_hidden to phone`);
    }
  });
});
