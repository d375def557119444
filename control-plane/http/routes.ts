// The REST surface: sign-in, refresh, logout (one session, or everywhere), JWKS, health, metrics
// and the dev SMS outbox.
// One named handler per route, looked up in a Map (no per-request closures).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Pool } from "pg";
import type { KeyRing } from "../identity/keys.js";
import type { OtpService } from "../identity/otp.js";
import type { Sessions } from "../identity/sessions.js";
import type { OutboxSmsProvider } from "../identity/sms.js";
import type { VolatileState } from "../identity/volatile-state.js";
import { normalizeVietnamesePhone } from "../identity/phone.js";
import { ControlPlaneError } from "../identity/errors.js";
import type { ControlPlaneMetrics } from "./metrics.js";
import { optionalStringField, readJson, sendJson, stringField } from "./json.js";

export interface RouteDeps {
  pool: Pool;
  /** OTP codes, rate limits and the outbox: Redis, or this process's memory (single-process mode). */
  state: VolatileState;
  keys: KeyRing;
  otp: OtpService;
  sessions: Sessions;
  metrics: ControlPlaneMetrics;
  /** True once metrics are served on a port of their own: the public port then answers 404. */
  metricsElsewhere: boolean;
  /** Present only with the outbox SMS provider and smsOutboxHttp (development and tests). */
  outbox?: OutboxSmsProvider;
  clientIp(req: IncomingMessage): string;
}

type Handler = (deps: RouteDeps, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

const NO_STORE = { "cache-control": "no-store" };

async function otpRequest(deps: RouteDeps, req: IncomingMessage, res: ServerResponse) {
  const body = await readJson(req);
  const sent = await deps.otp.request(stringField(body, "phone"), deps.clientIp(req), optionalStringField(body, "deviceToken"), optionalStringField(body, "challengeToken"));
  sendJson(res, 202, sent, NO_STORE);
}

async function otpVerify(deps: RouteDeps, req: IncomingMessage, res: ServerResponse) {
  const body = await readJson(req);
  const { user, ...tokens } = await deps.sessions.signIn(stringField(body, "phone"), stringField(body, "code"), deps.clientIp(req), optionalStringField(body, "deviceToken"));
  sendJson(res, 200, { ...tokens, user: { id: user.id, phone: user.phone, name: user.name } }, NO_STORE);
}

async function refresh(deps: RouteDeps, req: IncomingMessage, res: ServerResponse) {
  const body = await readJson(req);
  sendJson(res, 200, await deps.sessions.refresh(stringField(body, "refreshToken")), NO_STORE);
}

async function logout(deps: RouteDeps, req: IncomingMessage, res: ServerResponse) {
  const body = await readJson(req);
  await deps.sessions.signOut(stringField(body, "refreshToken"));
  res.writeHead(204, NO_STORE).end();
}

async function logoutEverywhere(deps: RouteDeps, req: IncomingMessage, res: ServerResponse) {
  const body = await readJson(req);
  await deps.sessions.signOutEverywhere(stringField(body, "refreshToken"));
  res.writeHead(204, NO_STORE).end();
}

async function jwks(deps: RouteDeps, _req: IncomingMessage, res: ServerResponse) {
  // Short cache: cells refetch on an unknown kid anyway, and a rotation publishes keys ahead.
  sendJson(res, 200, deps.keys.jwks(), { "cache-control": "public, max-age=60" });
}

async function healthz(_deps: RouteDeps, _req: IncomingMessage, res: ServerResponse) {
  sendJson(res, 200, { status: "ok" });
}

// Without Redis (single-process mode) readiness says so instead of failing: nothing is missing.
async function readyz(deps: RouteDeps, _req: IncomingMessage, res: ServerResponse) {
  const [pg, state] = await Promise.allSettled([deps.pool.query("SELECT 1"), deps.state.check()]);
  // The error's code only: its text can name database users and hosts, and this is a public path.
  const failed = (c: PromiseRejectedResult) => `failed (${(c.reason as { code?: string }).code ?? (c.reason as Error).name ?? "error"})`;
  const postgres = pg.status === "fulfilled" ? "ok" : failed(pg);
  const redis = state.status === "fulfilled" ? state.value : failed(state);
  const ready = pg.status === "fulfilled" && state.status === "fulfilled";
  sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", postgres, redis });
}

async function metrics(deps: RouteDeps, req: IncomingMessage, res: ServerResponse) {
  // Platform-wide figures (sign-ins, refreshes) are for the scraper, which calls the pod directly;
  // a request the router forwarded from app.<domain> carries x-forwarded-host (the router sets it).
  if (deps.metricsElsewhere || req.headers["x-forwarded-host"] !== undefined) throw new ControlPlaneError("NOT_FOUND", "not found");
  const text = await deps.metrics.registry.metrics();
  res.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(text);
}

async function smsOutbox(deps: RouteDeps, _req: IncomingMessage, res: ServerResponse, url: URL) {
  if (!deps.outbox) throw new ControlPlaneError("NOT_FOUND", "the SMS outbox is served only with SMS_PROVIDER=outbox and SMS_OUTBOX_HTTP=true (development: it shows every sign-in code)");
  const phone = url.searchParams.get("phone");
  let to: string | undefined;
  if (phone) {
    const normalized = normalizeVietnamesePhone(phone);
    if (!normalized.ok) throw new ControlPlaneError("PHONE_INVALID", normalized.message, { field: "phone" });
    to = normalized.e164;
  }
  const limit = Math.min(200, Math.max(1, Number(url.searchParams.get("limit") ?? 50) || 50));
  sendJson(res, 200, { messages: await deps.outbox.read({ to, limit }) }, NO_STORE);
}

export const ROUTES = new Map<string, { method: "GET" | "POST"; handler: Handler }>([
  ["/auth/otp/request", { method: "POST", handler: otpRequest }],
  ["/auth/otp/verify", { method: "POST", handler: otpVerify }],
  ["/auth/refresh", { method: "POST", handler: refresh }],
  ["/auth/logout", { method: "POST", handler: logout }],
  ["/auth/logout-everywhere", { method: "POST", handler: logoutEverywhere }],
  ["/.well-known/jwks.json", { method: "GET", handler: jwks }],
  ["/healthz", { method: "GET", handler: healthz }],
  ["/readyz", { method: "GET", handler: readyz }],
  ["/metrics", { method: "GET", handler: metrics }],
  ["/dev/sms-outbox", { method: "GET", handler: smsOutbox }],
]);
