// Which request headers travel to the cell. One pass over the raw headers both copies what may
// pass and notes what the router needs to know (Host count, body framing, trace context).
// Internal headers a client could forge (x-lsp-*, X-Forwarded-*, x-request-id) never pass: the
// router writes its own values after this.

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the router sets itself. */
const STRIPPED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-real-ip",
  "x-request-id",
]);

export interface IncomingHeaderFacts {
  /** name, value, name, value, ... for the cell. */
  headers: string[];
  hostCount: number;
  host: string | undefined;
  traceparent: string | undefined;
  contentLength: number;
  chunked: boolean;
  /** Extra hop-by-hop names listed in Connection (rare; handled off the fast path). */
  connectionTokens: string | undefined;
  upgrade: string | undefined;
}

export function collectHeaders(raw: string[]): IncomingHeaderFacts {
  const facts: IncomingHeaderFacts = {
    headers: [],
    hostCount: 0,
    host: undefined,
    traceparent: undefined,
    contentLength: -1,
    chunked: false,
    connectionTokens: undefined,
    upgrade: undefined,
  };
  const out = facts.headers;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === "host") {
      facts.hostCount++;
      facts.host = value;
      out.push("host", value);
      continue;
    }
    if (name.startsWith("x-lsp-")) continue;
    if (STRIPPED.has(name)) {
      if (name === "transfer-encoding") facts.chunked = true;
      else if (name === "upgrade") facts.upgrade = value;
      else if (name === "connection") noteConnection(facts, value);
      continue;
    }
    if (name === "traceparent") {
      // Re-added by the proxy: this one when well-formed, a fresh one otherwise.
      facts.traceparent = value;
      continue;
    }
    if (name === "content-length") facts.contentLength = Number(value);
    out.push(name, value);
  }
  if (facts.connectionTokens !== undefined) dropConnectionTokens(facts);
  return facts;
}

function noteConnection(facts: IncomingHeaderFacts, value: string): void {
  const v = value.toLowerCase();
  if (v === "keep-alive" || v === "close" || v === "upgrade") return;
  facts.connectionTokens = facts.connectionTokens === undefined ? v : `${facts.connectionTokens},${v}`;
}

/** Headers named in Connection are hop-by-hop for this one connection: they must not be forwarded. */
function dropConnectionTokens(facts: IncomingHeaderFacts): void {
  const names = new Set(facts.connectionTokens!.split(",").map((t) => t.trim()).filter((t) => t && t !== "keep-alive" && t !== "close" && t !== "upgrade"));
  if (names.size === 0) return;
  const kept: string[] = [];
  for (let i = 0; i < facts.headers.length; i += 2) {
    const name = facts.headers[i]!;
    if (name === "host" || !names.has(name)) kept.push(name, facts.headers[i + 1]!);
  }
  facts.headers = kept;
}

/** Response headers the router must not copy to the client (its own connection, its own framing). */
export const RESPONSE_HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate"] as const;
