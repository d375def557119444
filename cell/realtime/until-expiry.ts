// Ends a GraphQL subscription's event stream when the caller's access token lapses. A
// subscription is authorised once, when it starts; without this, a stream opened with a token
// about to expire would go on delivering a tenant's sales for as long as the client keeps it
// open. The client sees an UNAUTHENTICATED error and subscribes again with a fresh token.
import { GraphQLError } from "graphql";
import { Repeater } from "graphql-yoga";

const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds until `expiresAt` (ms since the epoch), as a setTimeout delay: 0 when past, capped at the timer's maximum. */
export function delayUntil(expiresAt: number): number {
  return Math.min(Math.max(0, expiresAt - Date.now()), LONGEST_TIMER_MS);
}

export function untilExpiry<T>(source: AsyncIterable<T>, expiresAt: number): AsyncIterable<T> {
  return new Repeater<T>(async (push, stop) => {
    const events = source[Symbol.asyncIterator]();
    const expired = () => stop(new GraphQLError("access token expired: subscribe again with a fresh one", { extensions: { code: "UNAUTHENTICATED" } }));
    const timer = setTimeout(expired, delayUntil(expiresAt));
    let stopped = false;
    // Stopped by expiry or by the client going away: release the source (its pending next()
    // settles as done, which ends the loop below).
    void stop.then(() => {
      stopped = true;
      clearTimeout(timer);
      void events.return?.();
    });
    try {
      for (;;) {
        const next = await events.next();
        if (next.done || stopped) break;
        await push(next.value);
      }
      stop();
    } catch (error) {
      stop(error);
    } finally {
      clearTimeout(timer);
    }
  });
}
