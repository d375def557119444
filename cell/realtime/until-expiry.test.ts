import { Repeater } from "graphql-yoga";
import { untilExpiry } from "./until-expiry.js";

/** An event source the test feeds by hand, recording whether it was released. */
function source<T>() {
  let feed!: (value: T) => Promise<unknown>;
  const state = { released: false };
  const events = new Repeater<T>(async (push, stop) => {
    feed = push;
    await stop;
    state.released = true;
  });
  return { events, feed: (v: T) => feed(v), state };
}

describe("untilExpiry", () => {
  it("passes events through until the token lapses, then fails UNAUTHENTICATED and releases the source", async () => {
    const { events, feed, state } = source<number>();
    const stream = untilExpiry(events, Date.now() + 150)[Symbol.asyncIterator]();
    const first = stream.next();
    await new Promise((r) => setTimeout(r, 10));
    void feed(1);
    await expect(first).resolves.toEqual({ done: false, value: 1 });
    const error = await stream.next().catch((e: Error & { extensions?: { code?: string } }) => e);
    expect(error).toMatchObject({ message: expect.stringContaining("access token expired"), extensions: { code: "UNAUTHENTICATED" } });
    await new Promise((r) => setTimeout(r, 10));
    expect(state.released).toBe(true);
  });

  it("fails at once for a token that has already lapsed", async () => {
    const { events } = source<number>();
    await expect(untilExpiry(events, Date.now() - 1)[Symbol.asyncIterator]().next()).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });

  it("releases the source when the client goes away first", async () => {
    const { events, state } = source<number>();
    const stream = untilExpiry(events, Date.now() + 60_000)[Symbol.asyncIterator]();
    const pending = stream.next();
    await stream.return?.();
    await expect(pending).resolves.toMatchObject({ done: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(state.released).toBe(true);
  });
});
