import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveStatic } from "./static.js";

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function rawStatus(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(base);
    request({ host: "127.0.0.1", port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on("error", reject)
      .end();
  });
}

describe("Given a built app folder", () => {
  let built: { server: Server; url: string };
  beforeAll(async () => {
    const dist = mkdtempSync(join(tmpdir(), "web-static-"));
    mkdirSync(join(dist, "assets"));
    writeFileSync(join(dist, "index.html"), "<!doctype html><title>app</title>");
    writeFileSync(join(dist, "assets", "main-abc123.js"), "console.log(1)");
    writeFileSync(join(dist, "favicon.svg"), "<svg/>");
    writeFileSync(join(dist, "..", "secret.txt"), "do not serve");
    built = await listen(serveStatic(dist, "test"));
  });
  afterAll(() => new Promise<void>((resolve) => built.server.close(() => resolve())));

  it("serves index.html at / with revalidation", async () => {
    const reply = await fetch(`${built.url}/`);
    expect([
      reply.status,
      reply.headers.get("content-type"),
      reply.headers.get("cache-control"),
      await reply.text(),
    ]).toEqual([200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>app</title>"]);
  });

  it("serves hashed assets with their content type and a year of immutable caching", async () => {
    const reply = await fetch(`${built.url}/assets/main-abc123.js?v=1`);
    expect([
      reply.status,
      reply.headers.get("content-type"),
      reply.headers.get("cache-control"),
      await reply.text(),
    ]).toEqual([
      200,
      "text/javascript; charset=utf-8",
      "public, max-age=31536000, immutable",
      "console.log(1)",
    ]);
  });

  it("answers the app's own routes with index.html so a reload keeps working", async () => {
    const reply = await fetch(`${built.url}/dashboard`);
    expect([reply.status, await reply.text()]).toEqual([200, "<!doctype html><title>app</title>"]);
  });

  it("answers 404 for a missing hashed asset instead of the app page", async () => {
    expect((await fetch(`${built.url}/assets/old-chunk.js`)).status).toBe(404);
  });

  it("refuses paths that climb out of the folder", async () => {
    // Raw requests: fetch would normalise the dots away before sending.
    const statuses = await Promise.all(
      ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"].map((path) =>
        rawStatus(built.url, path),
      ),
    );
    expect(statuses).toEqual([400, 400, 400]);
  });

  it("answers HEAD without a body and refuses POST", async () => {
    const head = await fetch(`${built.url}/favicon.svg`, { method: "HEAD" });
    const post = await fetch(`${built.url}/`, { method: "POST" });
    expect([head.status, head.headers.get("content-type"), await head.text(), post.status]).toEqual([
      200,
      "image/svg+xml",
      "",
      405,
    ]);
  });
});

describe("Given an app that has not been built", () => {
  it("answers 503 with a page that says to run npm run web:build", async () => {
    const { server, url } = await listen(serveStatic(join(tmpdir(), "no-such-dist-folder"), "tenant"));
    const reply = await fetch(`${url}/`);
    const text = await reply.text();
    server.close();
    expect([reply.status, text.includes("npm run web:build")]).toEqual([503, true]);
  });
});
