// What clients receive. Socket.io event names and GraphQL subscription payloads share these shapes.

/** Today's figures at one location (its local day), as a dashboard shows them. */
export interface DashboardSnapshot {
  locationId: string;
  /** The location's local day, YYYY-MM-DD. */
  localDate: string;
  revenueVnd: number;
  orders: number;
  /** Succeeded payments today by method (cash, momo, zalopay, vnpay, ...), VND. */
  paidVnd: Record<string, number>;
}

export interface SaleEvent {
  type: "sale";
  tenantId: string;
  locationId: string;
  orderId: string;
  totalVnd: number;
  orderedAt: string;
  channel: string;
  paymentMethod: string;
  /** Today's figures: sent only to owners and managers (see figuresRoom). */
  dashboard: DashboardSnapshot;
  /** Publisher's clock, ms since the epoch with sub-ms precision: for latency measurement. */
  publishedAt: number;
}

export interface PaymentEvent {
  type: "payment";
  tenantId: string;
  locationId: string;
  orderId: string;
  paymentId: string;
  method: string;
  amountVnd: number;
  providerRef: string;
  /** Today's figures: sent only to owners and managers (see figuresRoom). */
  dashboard: DashboardSnapshot;
  publishedAt: number;
}

export type RealtimeEvent = SaleEvent | PaymentEvent;

/** Socket.io event names. */
/** `sessionExpired` is sent just before the cell ends a socket whose access token lapsed. */
export const SOCKET_EVENTS = { sale: "sale", payment: "payment", subscribe: "subscribe", unsubscribe: "unsubscribe", sessionExpired: "session-expired" } as const;

/** One room per tenant and location: the only unit events are ever sent to. */
export function locationRoom(tenantId: string, locationId: string): string {
  return `t:${tenantId}:l:${locationId}`;
}

/**
 * The location's subscribers who may see its figures (owners, managers): they get each event
 * with `dashboard`; the rest of the location's room gets it without.
 */
export function figuresRoom(tenantId: string, locationId: string): string {
  return `${locationRoom(tenantId, locationId)}:figures`;
}

export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
