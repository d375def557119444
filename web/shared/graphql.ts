// A small GraphQL client: POST with the Bearer token, one refresh-and-retry when the token has
// expired, and errors that keep the server's code and field.
import { ApiError, loadSession, refreshSession, saveSession } from "./session.js";

interface GraphQLReply<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

const EXPIRED = new Set(["UNAUTHENTICATED", "TOKEN_EXPIRED"]);

export async function graphql<T>(
  endpoint: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  let session = loadSession();
  for (let attempt = 0; ; attempt++) {
    const reply = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(session ? { authorization: `Bearer ${session.accessToken}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await reply
      .json()
      .catch(() => ({ errors: [{ message: `the server answered ${reply.status}` }] }))) as GraphQLReply<T>;
    const first = body.errors?.[0];
    const code = first?.extensions?.code ?? (reply.status === 401 ? "UNAUTHENTICATED" : undefined);
    if (code && EXPIRED.has(code) && attempt === 0 && session) {
      session = await refreshSession(session.accessToken);
      if (session) continue;
      saveSession(undefined);
      window.dispatchEvent(new Event("lsp:signed-out"));
    }
    if (first) throw new ApiError(first.message, code ?? "ERROR", first.extensions?.field);
    if (!body.data)
      throw new ApiError(`the server answered ${reply.status} without data`, `HTTP_${reply.status}`);
    return body.data;
  }
}
