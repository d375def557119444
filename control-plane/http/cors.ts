// CORS for the tenant web app: the staff app on <slug>.<base domain> signs in through the control
// plane on app.<base domain>. Only sibling subdomains of the control plane's own host (same scheme
// family, same port) are allowed, so no origin outside the platform's domain can call the API with
// a browser's help. Credentials are Bearer tokens in headers, never cookies.
import type { IncomingMessage, ServerResponse } from "node:http";

const ALLOWED_METHODS = "GET, POST, OPTIONS";
const ALLOWED_HEADERS = "authorization, content-type";
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The origin to echo when `origin` is a tenant subdomain of the platform `host` (app.<base>[:port]). */
export function allowedOrigin(origin: string | undefined, host: string | undefined): string | undefined {
  if (!origin || !host) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  const [hostName, hostPort = ""] = host.toLowerCase().split(":", 2) as [string, string?];
  if (!hostName.startsWith("app.")) return undefined;
  const base = hostName.slice("app.".length);
  const dot = parsed.hostname.indexOf(".");
  if (dot < 0 || parsed.hostname.slice(dot + 1) !== base) return undefined;
  if (!LABEL.test(parsed.hostname.slice(0, dot))) return undefined;
  if (parsed.port !== hostPort) return undefined;
  return parsed.origin;
}

/** Adds CORS headers for an allowed origin; answers preflights. True when the request is fully answered. */
export function handleCors(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = allowedOrigin(req.headers.origin, req.headers.host);
  if (origin) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "origin");
  }
  if (req.method !== "OPTIONS" || !req.headers["access-control-request-method"]) return false;
  if (!origin) {
    res
      .writeHead(403, { "content-type": "application/json" })
      .end(JSON.stringify({ error: { code: "FORBIDDEN", message: "origin not allowed" } }));
    return true;
  }
  res
    .writeHead(204, {
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
    })
    .end();
  return true;
}
