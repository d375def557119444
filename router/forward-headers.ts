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

/** Trace context the router replaces with its own when it traces (tracing.ts). */
export const TRACE_CONTEXT_HEADERS = new Set(["traceparent", "tracestate", "baggage"]);

/**
 * Every name collectHeaders or a later step acts on, as `length * 128 + lower-case first letter`.
 * A name whose length and first letter match none of them cannot be one of them, so it is
 * forwarded as sent, without the lower-cased copy (browsers send a dozen such headers, in mixed
 * case, with every request). Names starting with "x" are always lower-cased: x-lsp-* is a prefix
 * of any length. Built from the same lists the checks use, so a name added there is covered here.
 */
const ACTED_ON = new Set([...STRIPPED, ...TRACE_CONTEXT_HEADERS, "host", "content-length"].map((name) => name.length * 128 + name.charCodeAt(0)));
const LOWER_X = 120;

function mayBeActedOn(name: string): boolean {
  const first = name.charCodeAt(0) | 32;
  return first === LOWER_X || ACTED_ON.has(name.length * 128 + first);
}

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
    const sent = raw[i]!;
    const value = raw[i + 1]!;
    if (!mayBeActedOn(sent)) {
      out.push(sent, value);
      continue;
    }
    const name = sent.toLowerCase();
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

/**
 * Connection options that never remove a header: the connection's own tokens, and the end-to-end
 * headers the cell frames the request and picks the tenant by. Dropping Content-Length while the
 * body is still sent would let the body pass as a request of its own (the raw engine refuses such
 * a head outright; the node engine's undici would re-add the length, but neither relies on that).
 */
const NEVER_HOP_BY_HOP = new Set(["keep-alive", "close", "upgrade", "content-length", "host"]);

function noteConnection(facts: IncomingHeaderFacts, value: string): void {
  const v = value.toLowerCase();
  if (NEVER_HOP_BY_HOP.has(v)) return;
  facts.connectionTokens = facts.connectionTokens === undefined ? v : `${facts.connectionTokens},${v}`;
}

/** Headers named in Connection are hop-by-hop for this one connection: they must not be forwarded. */
function dropConnectionTokens(facts: IncomingHeaderFacts): void {
  const names = new Set(facts.connectionTokens!.split(",").map((t) => t.trim()).filter((t) => t && !NEVER_HOP_BY_HOP.has(t)));
  if (names.size === 0) return;
  const kept: string[] = [];
  for (let i = 0; i < facts.headers.length; i += 2) {
    const name = facts.headers[i]!;
    // Lower-cased here: names collectHeaders did not act on are kept as the client sent them.
    if (!names.has(name.toLowerCase())) kept.push(name, facts.headers[i + 1]!);
  }
  facts.headers = kept;
}

/** Response headers the router must not copy to the client (its own connection, its own framing). */
export const RESPONSE_HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate"] as const;
