// Keeps a socket.io connection signed in. socket.io reconnects by itself after a network
// failure, but not when the server refused the handshake (an expired access token, usually) nor
// when the server ended the socket (reason "io server disconnect": the cell does that when the
// access token lapses, and to a client that fell too far behind). Both mean: get a fresh token,
// then connect again. A refusal that a fresh token does not cure (a revoked membership) is
// retried with a growing pause, so it never becomes a hot loop.
import type { Socket } from "socket.io-client";

export interface ReconnectOptions {
  /** Pause before the first retry after a refusal; doubled after each refusal in a row. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A socket the server ends sooner than this after connecting is retried with the pause too. */
  shortLivedMs?: number;
}

export function reconnectWithFreshToken(socket: Socket, refreshToken: () => Promise<void>, options: ReconnectOptions = {}): { stop(): void } {
  const firstDelayMs = options.firstDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const shortLivedMs = options.shortLivedMs ?? 5_000;
  let delayMs = firstDelayMs;
  let connectedAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const retryAfter = (waitMs: number) => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void refreshToken()
        .catch(() => undefined)
        .then(() => {
          if (!stopped && !socket.connected) socket.connect();
        });
    }, waitMs);
  };
  const retryWithGrowingPause = () => {
    retryAfter(delayMs);
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  };

  socket.on("connect", () => {
    connectedAt = Date.now();
  });
  socket.on("disconnect", (reason) => {
    if (reason !== "io server disconnect") return; // socket.io retries the other reasons itself
    if (Date.now() - connectedAt < shortLivedMs) retryWithGrowingPause();
    else {
      delayMs = firstDelayMs;
      retryAfter(0);
    }
  });
  socket.on("connect_error", () => {
    // Still active: a transport failure socket.io is already retrying. Inactive: refused.
    if (!socket.active) retryWithGrowingPause();
  });
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
