// The answers the router gives itself. Each has a stable code (clients and dashboards match on
// it, so never rename one) and exactly one HTTP status. Bodies are rendered once at load time:
// an error answer costs a Map lookup and a write, never a template.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

export const RouterErrors = {
  ROUTER_ERR_BAD_HOST: { status: 400, message: "The Host header does not name a tenant (expected <tenant>.<domain>)." },
  ROUTER_ERR_BAD_REQUEST: { status: 400, message: "The request is not HTTP/1.1 the router can forward unambiguously." },
  ROUTER_ERR_UNKNOWN_TENANT: { status: 404, message: "No tenant is served at this address." },
  ROUTER_ERR_TENANT_SUSPENDED: { status: 403, message: "This tenant is suspended." },
  ROUTER_ERR_REQUEST_TIMEOUT: { status: 408, message: "The request was not received in time." },
  ROUTER_ERR_BODY_TOO_LARGE: { status: 413, message: "The request body is larger than the router accepts." },
  ROUTER_ERR_EXPECTATION_FAILED: { status: 417, message: "The router supports only Expect: 100-continue." },
  ROUTER_ERR_HEADERS_TOO_LARGE: { status: 431, message: "The request headers are larger than the router accepts." },
  ROUTER_ERR_BAD_GATEWAY: { status: 502, message: "The tenant's cell sent an invalid response." },
  ROUTER_ERR_CELL_UNAVAILABLE: { status: 503, message: "The tenant's cell cannot be reached right now. Retry shortly." },
  ROUTER_ERR_HOLD_TIMEOUT: { status: 503, message: "The tenant is being moved and did not become available in time. Retry shortly." },
  ROUTER_ERR_UPSTREAM_TIMEOUT: { status: 504, message: "The tenant's cell did not answer in time." },
} as const satisfies Record<string, { status: number; message: string }>;

export type RouterErrorCode = keyof typeof RouterErrors;

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = "1";

interface RenderedError {
  status: number;
  json: Buffer;
  html: Buffer;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function render(code: RouterErrorCode): RenderedError {
  const { status, message } = RouterErrors[code];
  const json = Buffer.from(JSON.stringify({ error: { code, status, message } }));
  const html = Buffer.from(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${status}</title></head>` +
      `<body><h1>${status}</h1><p>${escapeHtml(message)}</p><p><code>${code}</code></p></body></html>`,
  );
  return { status, json, html };
}

const rendered = new Map<string, RenderedError>(Object.keys(RouterErrors).map((code) => [code, render(code as RouterErrorCode)]));

export function errorStatus(code: RouterErrorCode): number {
  return RouterErrors[code].status;
}

/** True when the client prefers HTML (a browser) over JSON (everything else, the default). */
function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes("text/html");
}

/** Writes the router's own answer. `requestId` lets support find the request in the logs. */
export function sendError(req: IncomingMessage, res: ServerResponse, code: RouterErrorCode, requestId: string): void {
  if (res.headersSent) {
    // The cell already started its answer: the only honest signal left is a cut connection.
    res.destroy();
    return;
  }
  const body = rendered.get(code)!;
  const html = wantsHtml(req.headers.accept);
  res.statusCode = body.status;
  res.setHeader("content-type", html ? "text/html; charset=utf-8" : "application/json; charset=utf-8");
  res.setHeader("x-lsp-error", code);
  res.setHeader("x-request-id", requestId);
  res.setHeader("cache-control", "no-store");
  if (body.status === 503) res.setHeader("retry-after", RETRY_AFTER_SECONDS);
  res.end(html ? body.html : body.json);
}

/**
 * The same answer as raw HTTP/1.1 bytes, for sockets the HTTP server no longer owns (a refused
 * upgrade, a request the parser rejected) and for the raw engine. Closes the connection unless
 * `keepAlive`.
 */
export function rawErrorResponse(code: RouterErrorCode, html = false, requestId?: string, keepAlive = false): Buffer {
  const body = rendered.get(code)!;
  const payload = html ? body.html : body.json;
  const head =
    `HTTP/1.1 ${body.status} ${REASONS[body.status] ?? "Error"}\r\n` +
    `content-type: ${html ? "text/html" : "application/json"}; charset=utf-8\r\n` +
    `content-length: ${payload.length}\r\nx-lsp-error: ${code}\r\ncache-control: no-store\r\n` +
    (requestId === undefined ? "" : `x-request-id: ${requestId}\r\n`) +
    (body.status === 503 ? `retry-after: ${RETRY_AFTER_SECONDS}\r\n` : "") +
    (keepAlive ? "\r\n" : "connection: close\r\n\r\n");
  return Buffer.concat([Buffer.from(head, "latin1"), payload]);
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  413: "Content Too Large",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * Writes a raw answer and closes the socket once it is flushed. end() alone would leave the
 * socket half-open for as long as a (misbehaving) client keeps its side open.
 */
export function answerAndClose(socket: Duplex, bytes: Buffer): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.write(bytes);
  const net = socket as Socket;
  if (typeof net.destroySoon === "function") net.destroySoon();
  else socket.end();
}
