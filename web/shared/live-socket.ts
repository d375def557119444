// Keeps a socket.io connection signed in. socket.io reconnects by itself after a network
// failure, but not when the server refused the handshake nor when the server ended the socket
// (reason "io server disconnect"). The cell does the latter when the access token lapses (it
// says so first, with `session-expired`), to a client that fell too far behind, and when it shuts
// down or the tenant moves. So:
// - token lapsed, or a refusal a fresh token may cure (UNAUTHENTICATED, FORBIDDEN: a membership
//   the old token lacks): refresh the token, then connect;
// - any other server-side end: connect again after a random pause, without refreshing, so a
//   cell restart does not send every open tab to the control plane at the same moment;
// - refusals in a row: a pause that doubles up to a ceiling, never a hot loop.
import type { Socket } from "socket.io-client";

export interface ReconnectOptions {
  /** Pause before the first retry after a refusal; doubled after each refusal in a row. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A connection that lasted this long resets the pause; one the server ends sooner is retried with the pause. */
  shortLivedMs?: number;
  /** Spread of the pause before reconnecting after a server-side end (not a refusal). */
  rejoinJitterMs?: [min: number, max: number];
  /** A token refresh that has not finished by then is given up on, and the socket connects anyway. */
  refreshTimeoutMs?: number;
}

/** Refusal codes (the cell's `connect_error` `data.code`) a fresh token may cure. */
const CURED_BY_A_FRESH_TOKEN = new Set(["UNAUTHENTICATED", "FORBIDDEN"]);

export function reconnectWithFreshToken(socket: Socket, refreshToken: () => Promise<void>, options: ReconnectOptions = {}): { stop(): void } {
  const firstDelayMs = options.firstDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const shortLivedMs = options.shortLivedMs ?? 5_000;
  const [jitterMin, jitterMax] = options.rejoinJitterMs ?? [500, 5_000];
  const refreshTimeoutMs = options.refreshTimeoutMs ?? 10_000;
  let delayMs = firstDelayMs;
  let connectedAt = 0;
  let tokenExpired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const connect = () => {
    if (!stopped && !socket.connected && !socket.active) socket.connect();
  };
  const refreshThenConnect = () => {
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (giveUp = setTimeout(resolve, refreshTimeoutMs)));
    void Promise.race([refreshToken().catch(() => undefined), timeout]).then(() => {
      clearTimeout(giveUp);
      connect();
    });
  };
  const retryAfter = (waitMs: number, refresh: boolean) => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (refresh) refreshThenConnect();
      else connect();
    }, waitMs);
  };
  const growingPause = () => {
    const wait = delayMs;
    delayMs = Math.min(delayMs * 2, maxDelayMs);
    return wait;
  };

  socket.on("connect", () => {
    connectedAt = Date.now();
    tokenExpired = false;
  });
  socket.on("session-expired", () => {
    tokenExpired = true;
  });
  socket.on("disconnect", (reason) => {
    const lasted = Date.now() - connectedAt;
    if (lasted >= shortLivedMs) delayMs = firstDelayMs;
    if (reason !== "io server disconnect") return; // socket.io retries the other reasons itself
    if (tokenExpired) retryAfter(lasted < shortLivedMs ? growingPause() : 0, true);
    else retryAfter(lasted < shortLivedMs ? growingPause() : jitterMin + Math.random() * (jitterMax - jitterMin), false);
  });
  socket.on("connect_error", (error: Error & { data?: { code?: string } }) => {
    // Still active: a transport failure socket.io is already retrying. Inactive: refused.
    if (socket.active) return;
    retryAfter(growingPause(), CURED_BY_A_FRESH_TOKEN.has(error.data?.code ?? ""));
  });
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
