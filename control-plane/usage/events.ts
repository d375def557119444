// What the control plane meters, and how a cell's outbox rows become usage events.
import type { FeedEvent } from "../../cell/usage-feed/index.js";

export const UsageKinds = ["order", "active_locations", "staff_seats"] as const;
export type UsageKind = (typeof UsageKinds)[number];

/** Kinds that are readings of a level (billed on the highest reading), not counts to add up. */
export const GaugeKinds: ReadonlySet<UsageKind> = new Set(["active_locations", "staff_seats"]);

export interface UsageEvent {
  tenantSlug: string;
  /** Stable across redeliveries: the idempotency key. */
  eventId: string;
  kind: UsageKind;
  quantity: bigint;
  amountVnd: bigint;
  locationId?: string;
  occurredAt: Date;
}

export interface RejectedFeedEvent {
  tenantSlug: string;
  eventId: string;
  topic: string;
  payload: unknown;
  reason: string;
}

export type Translation = { usage: UsageEvent } | { rejected: RejectedFeedEvent } | { ignored: true };

/** Outbox ids restart in every cell, so the cell is part of the identity (a tenant can move). */
export function outboxEventId(cell: string, outboxId: string): string {
  return `${cell}/outbox/${outboxId}`;
}

/**
 * An order is billed once whichever cell reports it. A tenant move copies the tenant's outbox
 * into the new cell under new ids, and the new cell's feed is read from its start: keyed by the
 * outbox row, every order the tenant ever had would be billed again after each move.
 */
export function orderEventId(orderId: string): string {
  return `order/${orderId}`;
}

/** One reading per kind per local day: re-sampling the same day keeps the highest. */
export function gaugeEventId(cell: string, kind: UsageKind, localDate: string): string {
  return `${cell}/gauge/${kind}/${localDate}`;
}

/** Only order.created carries usage today; every other topic advances the cursor and is ignored. */
export function translateFeedEvent(cell: string, tenantSlug: string, event: FeedEvent): Translation {
  if (event.topic !== "order.created") return { ignored: true };
  if (!event.order) {
    const eventId = outboxEventId(cell, event.id);
    return { rejected: { tenantSlug, eventId, topic: event.topic, payload: event.payload, reason: `order '${event.key}' named by the event was not found in the cell` } };
  }
  const { order } = event;
  return {
    usage: { tenantSlug, eventId: orderEventId(event.key), kind: "order", quantity: 1n, amountVnd: BigInt(order.totalVnd), locationId: order.locationId, occurredAt: new Date(order.orderedAt) },
  };
}
