// Sales entry: one order with its lines and payment, written by one database function call so the
// hot path is a single round trip. Prices come from the menu (never from the client); the client's
// idempotency key makes retries safe: the same key and the same order return the first result,
// the same key with a different order is refused. The key is looked up before anything is
// validated, so a retry is answered even when the menu changed since the sale was recorded.
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
  | { error: "key_reused" }
  | { error: "not_recorded" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The lines as create_order records them: ids lower-cased (Postgres reads a UUID in either case)
 * and repeated items merged, sorted by id. Two requests for the same sale hash alike however the
 * till grouped or spelled the lines. A request already in this form hashes exactly as before this
 * normalisation, so keys recorded earlier still replay.
 */
function recordedLines(lines: OrderRequest["lines"]): [string, number][] {
  const merged = new Map<string, number>();
  for (const l of lines) {
    const id = l.menuItemId.toLowerCase();
    merged.set(id, (merged.get(id) ?? 0) + l.quantity);
  }
  return [...merged].sort(([a], [b]) => a.localeCompare(b));
}

export function requestHash(request: OrderRequest): string {
  const canonical = JSON.stringify([
    request.locationId.toLowerCase(),
    request.channel,
    request.paymentMethod,
    request.orderedAt?.toISOString() ?? null,
    request.note ?? null,
    recordedLines(request.lines),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * One round trip: the schema's create_order function sets the tenant, looks the idempotency key
 * up, and only for a new key prices the lines from the menu, writes order, lines, payment, outbox
 * event and audit entry, and reads the location's dashboard snapshot for the real-time push
 * (migrations 20261122030000_order_entry_function, 20261122040000_order_entry_aggregates_and_snapshot
 * and 20261122060000_order_entry_replay_first; row-level security applies throughout).
 * `actor.userId` (the control-plane user) is recorded in the audit log and, being a UUID, as the
 * order's created_by.
 */
export async function createOrder(client: Queryable, tenantId: string, actor: { userId: string }, request: OrderRequest): Promise<CreatedOrder> {
  const created = await callCreateOrder(client, tenantId, actor, request, false);
  return created!;
}

/**
 * For a request the caller is about to refuse (see cell/graphql/schema/order.ts): the sale its
 * key already recorded (`replayed: true`), or undefined when the key is new, in which case
 * nothing is written. A retry of a recorded sale is answered, not refused, even when the caller
 * could not enter that sale now.
 */
export function replayOrder(client: Queryable, tenantId: string, actor: { userId: string }, request: OrderRequest): Promise<CreatedOrder | undefined> {
  return callCreateOrder(client, tenantId, actor, request, true);
}

async function callCreateOrder(client: Queryable, tenantId: string, actor: { userId: string }, request: OrderRequest, replayOnly: boolean): Promise<CreatedOrder | undefined> {
  const lines = request.lines.map((l) => ({ menuItemId: l.menuItemId.toLowerCase(), quantity: l.quantity }));
  const order = {
    locationId: request.locationId,
    idempotencyKey: request.idempotencyKey,
    requestHash: requestHash(request),
    channel: request.channel,
    paymentMethod: request.paymentMethod,
    orderedAt: request.orderedAt?.toISOString() ?? null,
    note: request.note ?? null,
    actor: actor.userId,
    // orders.created_by is a uuid; control-plane user ids are UUIDs (any other token subject is
    // still in the audit log's actor).
    createdBy: UUID.test(actor.userId) ? actor.userId.toLowerCase() : null,
    replayOnly,
    lines,
  };
  const { rows } = await client.query<{ r: Outcome }>({ name: "cell_create_order", text: "select create_order($1, $2) as r", values: [tenantId, order] });
  const outcome = rows[0]!.r;
  if (outcome.error === "not_recorded") return undefined;
  if (outcome.error === "key_reused") {
    throw new OrderInputError("idempotencyKey", "this idempotency key was already used for a different order", "IDEMPOTENCY_KEY_REUSED");
  }
  if (outcome.error) {
    const field = `lines[${lines.findIndex((l) => l.menuItemId === outcome.menuItemId)}].menuItemId`;
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
