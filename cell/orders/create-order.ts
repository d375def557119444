// Sales entry: one order with its lines and payment, written by one database function call so the
// hot path is a single round trip. Prices come from the menu (never from the client); the client's
// idempotency key makes retries safe: the same key and the same order return the first result,
// the same key with a different order is refused.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { DashboardSnapshot } from "../realtime/events.js";

export const CHANNELS = ["dine_in", "takeaway", "delivery"] as const;
export const PAYMENT_METHODS = ["cash", "card", "momo", "zalopay", "vnpay", "bank_transfer"] as const;

export interface OrderRequest {
  locationId: string;
  idempotencyKey: string;
  channel: (typeof CHANNELS)[number];
  paymentMethod: (typeof PAYMENT_METHODS)[number];
  lines: { menuItemId: string; quantity: number }[];
  /** When the sale happened; defaults to now (entering a past sale is allowed). */
  orderedAt?: Date;
  note?: string;
}

export interface CreatedOrder {
  orderId: string;
  totalVnd: number;
  orderedAt: Date;
  locationId: string;
  /** True when this key had already been used for the same order, which is returned instead. */
  replayed: boolean;
  /** Today's figures at the location, read in the sale's own transaction (so including it); only for a new sale. */
  dashboard?: DashboardSnapshot;
}

export class OrderInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code = "BAD_USER_INPUT",
  ) {
    super(message);
    this.name = "OrderInputError";
  }
}

/** A pool (one implicit transaction) or a client inside the caller's own transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

type Outcome =
  | { orderId: string; totalVnd: string | number; orderedAt: string; locationId: string; replayed: boolean; dashboard?: DashboardSnapshot; error?: undefined }
  | { error: "missing" | "unavailable"; menuItemId: string; name: string | null }
  | { error: "key_reused" };

export function requestHash(request: OrderRequest): string {
  const canonical = JSON.stringify([
    request.locationId,
    request.channel,
    request.paymentMethod,
    request.orderedAt?.toISOString() ?? null,
    request.note ?? null,
    [...request.lines]
      .sort((a, b) => a.menuItemId.localeCompare(b.menuItemId) || a.quantity - b.quantity)
      .map((l) => [l.menuItemId, l.quantity]),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * One round trip: the schema's create_order function sets the tenant, prices the lines from the
 * menu, writes order, lines, payment, outbox event and audit entry, and reads the location's
 * dashboard snapshot for the real-time push (migrations 20261122030000_order_entry_function and
 * 20261122040000_order_entry_aggregates_and_snapshot; row-level security applies throughout).
 */
export async function createOrder(client: Queryable, tenantId: string, actor: { staffId?: string; userId: string }, request: OrderRequest): Promise<CreatedOrder> {
  const order = {
    locationId: request.locationId,
    idempotencyKey: request.idempotencyKey,
    requestHash: requestHash(request),
    channel: request.channel,
    paymentMethod: request.paymentMethod,
    orderedAt: request.orderedAt?.toISOString() ?? null,
    note: request.note ?? null,
    actor: actor.userId,
    createdBy: actor.staffId ?? null,
    lines: request.lines,
  };
  const { rows } = await client.query<{ r: Outcome }>({ name: "cell_create_order", text: "select create_order($1, $2) as r", values: [tenantId, order] });
  const outcome = rows[0]!.r;
  if (outcome.error === "key_reused") {
    throw new OrderInputError("idempotencyKey", "this idempotency key was already used for a different order", "IDEMPOTENCY_KEY_REUSED");
  }
  if (outcome.error) {
    const field = `lines[${request.lines.findIndex((l) => l.menuItemId === outcome.menuItemId)}].menuItemId`;
    throw new OrderInputError(field, outcome.error === "missing" ? `menu item ${outcome.menuItemId} does not exist` : `menu item '${outcome.name}' is not available`);
  }
  return {
    orderId: outcome.orderId,
    totalVnd: Number(outcome.totalVnd),
    orderedAt: new Date(outcome.orderedAt),
    locationId: outcome.locationId,
    replayed: outcome.replayed,
    ...(outcome.dashboard ? { dashboard: outcome.dashboard } : {}),
  };
}
