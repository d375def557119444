// A yoga pub/sub event target over Redis pub/sub, so a GraphQL subscription on any API replica
// sees events published on any other. (@graphql-yoga/redis-event-target does the same but
// declares a peer dependency on ioredis 5; this project uses ioredis 6 — see docs/adr/0602.)
import type { TypedEventTarget } from "@graphql-yoga/typed-event-target";
import type { Redis } from "ioredis";

type Listener = ((event: CustomEvent) => void) | { handleEvent(event: CustomEvent): void };

export function createRedisEventTarget(publisher: Redis, subscriber: Redis, prefix = "lsp:gql:"): TypedEventTarget<CustomEvent> {
  const listeners = new Map<string, Set<Listener>>();

  subscriber.on("message", (channel: string, message: string) => {
    const type = channel.slice(prefix.length);
    const set = listeners.get(type);
    if (!set) return;
    const event = new CustomEvent(type, { detail: message === "" ? null : JSON.parse(message) });
    for (const listener of set) {
      if (typeof listener === "function") listener(event);
      else listener.handleEvent(event);
    }
  });

  function add(type: string, listener: Listener) {
    let set = listeners.get(type);
    if (!set) {
      set = new Set();
      listeners.set(type, set);
      void subscriber.subscribe(prefix + type);
    }
    set.add(listener);
  }

  function remove(type: string, listener: Listener) {
    const set = listeners.get(type);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) {
      listeners.delete(type);
      void subscriber.unsubscribe(prefix + type);
    }
  }

  return {
    addEventListener(type, callback) {
      if (!callback) return;
      add(type, callback as Listener);
    },
    removeEventListener(type, callback) {
      if (callback) remove(type, callback as Listener);
    },
    dispatchEvent(event) {
      void publisher.publish(prefix + event.type, event.detail === undefined ? "" : JSON.stringify(event.detail));
      return true;
    },
  };
}
