// The size limit of GraphQL request bodies, checked on the declared Content-Length before yoga
// sees the request. Yoga's own limit pipes every body through a TransformStream (a stream
// pipeline, an AbortController and a DOMException per request): measured, that doubled the CPU of
// a small GraphQL request. A declared length bounds what Node's HTTP parser delivers, so checking it
// up front enforces the same limit. A chunked body has no declared length and is refused (411): every
// GraphQL client sends a JSON string with its length, and the router forwards the length it got.
import type { IncomingMessage } from "node:http";

export const MAX_GRAPHQL_BODY_BYTES = 1024 * 1024;

export interface BodyRefusal {
  status: number;
  body: string;
}

function refusal(status: number, code: string, message: string): BodyRefusal {
  return { status, body: JSON.stringify({ errors: [{ message, extensions: { code } }] }) };
}

/** Why a GraphQL POST must be refused before its body is read, or undefined when it may be read. */
export function graphqlBodyRefusal(req: IncomingMessage, limit = MAX_GRAPHQL_BODY_BYTES): BodyRefusal | undefined {
  const declared = req.headers["content-length"];
  if (declared === undefined) {
    return req.headers["transfer-encoding"] === undefined ? undefined : refusal(411, "LENGTH_REQUIRED", "send the request body with a Content-Length header");
  }
  if (!/^\d{1,15}$/.test(declared)) return refusal(400, "BAD_REQUEST", "Content-Length header is invalid.");
  if (Number(declared) > limit) return refusal(413, "REQUEST_ENTITY_TOO_LARGE", `Request body too large: at most ${limit} bytes`);
  return undefined;
}
