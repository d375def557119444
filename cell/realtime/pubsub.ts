// The GraphQL subscriptions' pub/sub: yoga's createPubSub, over Redis when the cell has Redis
// (every replica sees every event) and in-process otherwise (a single replica; docs/cell-realtime.md).
import { createPubSub, type PubSub } from "graphql-yoga";
import type { Redis } from "ioredis";
import type { DashboardSnapshot, SaleEvent } from "./events.js";
import { createRedisEventTarget } from "./redis-event-target.js";

export type RealtimeTopics = {
  /** Keyed by `${tenantId}:${locationId}`. */
  dashboardUpdates: [key: string, payload: DashboardSnapshot];
  /** Keyed by tenant id; resolvers filter by the caller's locations. */
  orderCreated: [tenantId: string, payload: SaleEvent];
};

export type RealtimePubSub = PubSub<RealtimeTopics>;

export function createRealtimePubSub(redis?: { publisher: Redis; subscriber: Redis }): RealtimePubSub {
  return createPubSub<RealtimeTopics>(redis ? { eventTarget: createRedisEventTarget(redis.publisher, redis.subscriber) } : {});
}
