// HTTP to a platform URL from Node. Tenants of the local platform live at <slug>.localhost,
// which the system resolver may not know: such names are dialled on 127.0.0.1 with the original
// Host header, exactly what a browser on *.localhost sends through the router.
import { request } from "undici";

export interface JsonReply<T> {
  status: number;
  body: T;
}

export async function callJson<T = unknown>(baseUrl: string, path: string, options: { method?: string; body?: unknown; token?: string } = {}): Promise<JsonReply<T>> {
  const url = new URL(path, baseUrl);
  const host = url.host;
  if (url.hostname.endsWith(".localhost")) url.hostname = "127.0.0.1";
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const res = await request(url, {
    method: (options.method ?? (payload ? "POST" : "GET")) as "GET" | "POST",
    headers: {
      host,
      ...(payload ? { "content-type": "application/json" } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: payload,
  });
  const text = await res.body.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.statusCode, body: body as T };
}

export interface GraphqlReply<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A GraphQL call that throws with the server's message on `errors` (setup must not half-succeed). */
export async function graphql<T>(baseUrl: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const reply = await callJson<GraphqlReply<T>>(baseUrl, "/graphql", { body: { query, variables }, token });
  if (reply.status !== 200 || !reply.body?.data || reply.body.errors) {
    throw new Error(`GraphQL ${query.slice(0, 60).replace(/\s+/g, " ")}... at ${baseUrl} failed (${reply.status}): ${JSON.stringify(reply.body?.errors ?? reply.body)}`);
  }
  return reply.body.data;
}
