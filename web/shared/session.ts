// Sign-in state for both apps: access and refresh tokens from the control plane's OTP endpoints,
// kept in localStorage so a second tab (the dashboard beside the sales screen) is signed in too.
import { deviceTokenFor, keepDeviceToken } from "./device-tokens.js";

export interface Session {
  accessToken: string;
  refreshToken: string;
  phone: string;
}

const STORAGE_KEY = "lsp.session";

/**
 * Where the control plane answers. The owner console is served by it (same origin); the tenant
 * app on <slug>.<domain> calls app.<domain> cross-origin (ADR 1301).
 */
export function controlPlaneOrigin(where: Location = window.location): string {
  const labels = where.hostname.split(".");
  if (labels[0] === "app" || labels.length < 2) return where.origin;
  return `${where.protocol}//app.${labels.slice(1).join(".")}${where.port ? `:${where.port}` : ""}`;
}

export function loadSession(): Session | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const parsed = raw ? (JSON.parse(raw) as Partial<Session>) : undefined;
    return parsed?.accessToken && parsed.refreshToken && parsed.phone ? (parsed as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
}

/** A challenge to solve before asking again (the control plane's `challenge` on RATE_LIMITED; ADR 0510). */
export interface ChallengeOffer {
  provider: "turnstile";
  siteKey: string;
  scriptUrl: string;
  action: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
    readonly challenge?: ChallengeOffer,
  ) {
    super(message);
  }
}

async function postJson<T>(path: string, body: unknown): Promise<T> {
  const reply = await fetch(`${controlPlaneOrigin()}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await reply.text();
  const json = text
    ? (JSON.parse(text) as T & { error?: { code?: string; message?: string; field?: string; challenge?: ChallengeOffer } })
    : ({} as T & { error?: undefined });
  if (!reply.ok)
    throw new ApiError(
      json.error?.message ?? `request failed (${reply.status})`,
      json.error?.code ?? `HTTP_${reply.status}`,
      json.error?.field,
      json.error?.challenge,
    );
  return json;
}

/** `challengeToken`: a challenge solved after a refusal that offered one. */
export function requestOtp(phone: string, challengeToken?: string): Promise<{ phone?: string }> {
  return postJson("/auth/otp/request", { phone, deviceToken: deviceTokenFor(phone), challengeToken });
}

export async function verifyOtp(phone: string, code: string): Promise<Session> {
  const reply = await postJson<{ accessToken: string; refreshToken: string; user: { phone: string }; deviceToken?: string }>(
    "/auth/otp/verify",
    { phone, code, deviceToken: deviceTokenFor(phone) },
  );
  if (reply.deviceToken) keepDeviceToken(reply.user.phone, reply.deviceToken);
  return { accessToken: reply.accessToken, refreshToken: reply.refreshToken, phone: reply.user.phone };
}

/**
 * Signs this browser out: the session is forgotten here at once, and the control plane ends it
 * (its refresh token stops working). A network failure is not the user's problem: the token is
 * gone from this browser either way.
 */
export async function signOut(): Promise<void> {
  const current = loadSession();
  saveSession(undefined);
  if (current) await postJson("/auth/logout", { refreshToken: current.refreshToken }).catch(() => undefined);
}

/**
 * Ends every session of this user, on every device, and forgets their known devices (ADR 0509).
 * The control plane must confirm first: if it cannot, this throws and the session stays, so
 * nobody believes a lost phone is signed out when it is not.
 */
export async function signOutEverywhere(): Promise<void> {
  const current = loadSession();
  if (!current) return;
  await postJson("/auth/logout-everywhere", { refreshToken: current.refreshToken });
  saveSession(undefined);
}

let refreshing: Promise<Session | undefined> | undefined;

/**
 * Swaps the refresh token for a new pair after `rejected` (the access token the server refused).
 * Refresh tokens rotate and a reused one is refused, so tabs must not refresh at the same time:
 * a Web Lock serialises them, and a tab that finds a newer token than the one refused (another
 * tab refreshed meanwhile) uses it without refreshing again.
 */
export function refreshSession(rejected?: string): Promise<Session | undefined> {
  refreshing ??= withRefreshLock(async () => {
    const current = loadSession();
    if (!current) return undefined;
    if (rejected && current.accessToken !== rejected) return current;
    try {
      const pair = await postJson<{ accessToken: string; refreshToken: string }>("/auth/refresh", {
        refreshToken: current.refreshToken,
      });
      const next = { ...current, accessToken: pair.accessToken, refreshToken: pair.refreshToken };
      saveSession(next);
      return next;
    } catch (error) {
      if (error instanceof ApiError && error.code.startsWith("HTTP_5")) throw error;
      saveSession(undefined);
      return undefined;
    }
  }).finally(() => (refreshing = undefined));
  return refreshing;
}

function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  // Web Locks exist in every current browser on a secure context (localhost counts).
  return navigator.locks ? (navigator.locks.request("lsp.session.refresh", work) as Promise<T>) : work();
}
