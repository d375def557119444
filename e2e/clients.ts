// What a user's browser or app does, as code: OTP login at the control plane, GraphQL and
// socket.io against a tenant's subdomain — all through the router, with real Host headers.
import { io, type Socket } from "socket.io-client";
import { eventually, viaRouter } from "./platform.js";

export interface Session {
  accessToken: string;
  refreshToken: string;
}

/** Requests a code, reads it from the development SMS outbox, and exchanges it for tokens. */
export async function loginByOtp(routerUrl: string, phone: string): Promise<Session> {
  const requested = await viaRouter(routerUrl, "app.localhost", "/auth/otp/request", { body: { phone } });
  if (requested.status !== 202) throw new Error(`OTP request answered ${requested.status}: ${requested.body}`);
  const code = await eventually("the OTP SMS", async () => {
    const outbox = await viaRouter(routerUrl, "app.localhost", `/dev/sms-outbox?phone=${encodeURIComponent(phone)}&limit=1`);
    const text = outbox.json<{ messages: { text: string }[] }>().messages[0]?.text;
    return /\b(\d{6})\b/.exec(text ?? "")?.[1];
  }, 10_000);
  const verified = await viaRouter(routerUrl, "app.localhost", "/auth/otp/verify", { body: { phone, code } });
  if (verified.status !== 200) throw new Error(`OTP verify answered ${verified.status}: ${verified.body}`);
  return verified.json<Session>();
}

export interface GraphQLResult<T> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

export async function graphql<T = Record<string, unknown>>(routerUrl: string, host: string, token: string | undefined, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult<T>> {
  const reply = await viaRouter(routerUrl, host, "/graphql", { body: { query, variables }, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: reply.status, ...reply.json<{ data?: T; errors?: GraphQLResult<T>["errors"] }>() };
}

/** A socket.io client whose connections go to the router while naming `host`, as a browser on that subdomain would. */
export function socketVia(routerUrl: string, host: string, token: string): Socket {
  return io(routerUrl, { transports: ["websocket"], extraHeaders: { host: `${host}:${new URL(routerUrl).port}` }, auth: { token }, reconnection: false, forceNew: true });
}
