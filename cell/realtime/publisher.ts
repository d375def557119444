// Pushes a committed sale or payment to every client subscribed to its location, on every API
// replica: socket.io rooms through the Redis adapter, GraphQL subscriptions through the Redis
// event target. Called after the write commits (never inside its transaction).
import type { Server } from "socket.io";
import type { Logger } from "../../common/index.js";
import { STAFF_ORDER_WINDOW_MS } from "../auth/index.js";
import type { Database } from "../db/index.js";
import { figuresRoom, locationRoom, preciseNow, SOCKET_EVENTS, type DashboardSnapshot, type PaymentEvent, type SaleEvent } from "./events.js";
import type { RealtimePubSub } from "./pubsub.js";
import { loadDashboardSnapshot } from "./snapshot.js";

export interface SaleRecorded {
  orderId: string;
  locationId: string;
  totalVnd: number;
  orderedAt: Date;
  channel: string;
  paymentMethod: string;
  /** Today's figures including this sale, when the write already read them (createOrder does). */
  dashboard?: DashboardSnapshot;
}

export interface PaymentRecorded {
  tenantId: string;
  locationId: string;
  orderId: string;
  paymentId: string;
  method: string;
  amountVnd: bigint;
  providerRef: string;
}

/** Never rejects: failures are logged (see `safely`). */
export interface RealtimePublisher {
  saleRecorded(tenantId: string, sale: SaleRecorded): Promise<void>;
  paymentRecorded(payment: PaymentRecorded): Promise<void>;
}

export interface PublisherDeps {
  db: Database;
  io?: Server;
  pubsub?: RealtimePubSub;
  log: Logger;
}

export function createRealtimePublisher(deps: PublisherDeps): RealtimePublisher {
  async function snapshot(tenantId: string, locationId: string): Promise<DashboardSnapshot> {
    const s = await loadDashboardSnapshot(deps.db, tenantId, locationId);
    if (!s) throw new Error(`location ${locationId} not found for tenant ${tenantId}`);
    return s;
  }

  function deliver(event: SaleEvent | PaymentEvent) {
    const name = event.type === "sale" ? SOCKET_EVENTS.sale : SOCKET_EVENTS.payment;
    const figures = figuresRoom(event.tenantId, event.locationId);
    // Owners and managers get today's figures with the event; staff in the same location get the
    // event without them (the cell refuses staff revenue everywhere else too).
    deps.io?.to(figures).emit(name, event);
    const { dashboard: _figures, ...withoutFigures } = event;
    // A sale a manager dated further back than staff may look (its total adds up to a closed day's
    // revenue) goes to owners and managers only.
    const staffMaySee = event.type !== "sale" || Date.parse(event.orderedAt) >= Date.now() - STAFF_ORDER_WINDOW_MS;
    if (staffMaySee) deps.io?.to(locationRoom(event.tenantId, event.locationId)).except(figures).emit(name, withoutFigures);
    deps.pubsub?.publish("dashboardUpdates", `${event.tenantId}:${event.locationId}`, event.dashboard);
    if (event.type === "sale") deps.pubsub?.publish("orderCreated", event.tenantId, event);
  }

  // A push is best effort: the write it reports has committed, so a failure here is logged and
  // never turned into a failed mutation or webhook (clients catch up on their next event or
  // resubscribe, both of which carry the current figures).
  function safely<A extends unknown[]>(what: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
    return (...args) => fn(...args).catch((error: unknown) => deps.log.error({ err: error }, `Failed to publish a ${what}`));
  }

  return {
    saleRecorded: safely("sale", async (tenantId: string, sale: SaleRecorded) => {
      const dashboard = sale.dashboard ?? (await snapshot(tenantId, sale.locationId));
      deliver({
        type: "sale",
        tenantId,
        locationId: sale.locationId,
        orderId: sale.orderId,
        totalVnd: sale.totalVnd,
        orderedAt: sale.orderedAt.toISOString(),
        channel: sale.channel,
        paymentMethod: sale.paymentMethod,
        dashboard,
        publishedAt: preciseNow(),
      });
    }),
    paymentRecorded: safely("payment", async (p: PaymentRecorded) => {
      const dashboard = await snapshot(p.tenantId, p.locationId);
      deliver({
        type: "payment",
        tenantId: p.tenantId,
        locationId: p.locationId,
        orderId: p.orderId,
        paymentId: p.paymentId,
        method: p.method,
        amountVnd: Number(p.amountVnd),
        providerRef: p.providerRef,
        dashboard,
        publishedAt: preciseNow(),
      });
    }),
  };
}
