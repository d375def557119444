// Serves a built single-page app (Vite's dist folder) from a node:http server: files with their
// content types, long caching for content-hashed assets, index.html for every other GET so the
// app's own routes survive a reload, and a page that says what to do when the app is not built.
import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => void;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

// Vite puts content-hashed files under assets/: a changed file gets a new name, so they never go stale.
const IMMUTABLE = "public, max-age=31536000, immutable";
// index.html names the current hashed files, so browsers must revalidate it on every load.
const REVALIDATE = "no-cache";

/** A handler serving `distDir` for GET and HEAD; `appName` names the app in the not-built page. */
export function serveStatic(distDir: string, appName: string): StaticHandler {
  const root = resolve(distDir);
  return function staticApp(req, res) {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res
        .writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" })
        .end("method not allowed\n");
      return;
    }
    const index = join(root, "index.html");
    if (!existsSync(index)) return notBuilt(res, appName);
    const file = resolveFile(root, req.url ?? "/");
    if (file === "forbidden") {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("bad path\n");
      return;
    }
    // Missing files under assets/ are real 404s (a stale tab asking for an old chunk), not app routes.
    if (file === undefined && (req.url ?? "").startsWith("/assets/")) {
      res
        .writeHead(404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
        .end("not found\n");
      return;
    }
    const path = file ?? index;
    const hashed = path.startsWith(join(root, "assets") + sep);
    sendFile(req, res, path, hashed ? IMMUTABLE : REVALIDATE);
  };
}

function resolveFile(root: string, url: string): string | undefined | "forbidden" {
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.split("?", 1)[0]!.split("#", 1)[0]!);
  } catch {
    return "forbidden";
  }
  if (pathname.includes("\0")) return "forbidden";
  const candidate = normalize(join(root, pathname));
  if (candidate !== root && !candidate.startsWith(root + sep)) return "forbidden";
  if (!existsSync(candidate)) return undefined;
  return statSync(candidate).isFile() ? candidate : undefined;
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string, cacheControl: string): void {
  const stat = statSync(path);
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
  res.writeHead(200, {
    "content-type": type,
    "content-length": stat.size,
    "cache-control": cacheControl,
    "last-modified": stat.mtime.toUTCString(),
    "x-content-type-options": "nosniff",
  });
  if (req.method === "HEAD") return void res.end();
  createReadStream(path)
    .on("error", () => res.destroy())
    .pipe(res);
}

function notBuilt(res: ServerResponse, appName: string): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${appName} not built</title></head>
<body><h1>The ${appName} web app is not built</h1><p>Run <code>npm run web:build</code> in the repository, then reload this page.</p></body></html>\n`;
  res
    .writeHead(503, {
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
    })
    .end(body);
}
