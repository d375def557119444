// Reads a tenant's outbox after a cursor, for the control plane's usage metering. Rows are read
// through the cell's RLS transaction (db.sql), so a feed request can only ever see one tenant.
import type { Database } from "../db/index.js";

export interface FeedOrder {
  id: string;
  locationId: string;
  totalVnd: string;
  orderedAt: string;
}

export interface FeedEvent {
  /** The outbox row id: increasing within the cell, the control plane's cursor. */
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  createdAt: string;
  /** For order.created rows whose key is an order id: the order's figures, read from the order itself. */
  order?: FeedOrder;
}

export interface OutboxPage {
  events: FeedEvent[];
  /** Cursor to pass as `after` next time (unchanged when the page is empty). */
  next: string;
  hasMore: boolean;
  /**
   * Which outbox the ids count in (a uuid taken when the cell's outbox was created, renewed after
   * a restore): ids from another epoch mean nothing here, however they compare.
   */
  epoch: string;
  /** The tenant's highest outbox id now ("0" with none), read after the page: a cursor above it came from elsewhere. */
  maxId: string;
}

export interface ReadOutboxOptions {
  after: bigint;
  limit: number;
  /**
   * Rows younger than this are left for the next read. An outbox id is taken when a row is
   * inserted, not when its transaction commits, so a slower transaction can commit a lower id
   * after a higher one was read; waiting this long lets such stragglers land before the cursor
   * passes them (docs/adr/0801). 0 in tests that control every write.
   */
  settleMs: number;
}

export const MAX_OUTBOX_PAGE = 1000;

/** The feed's default settle window (ReadOutboxOptions.settleMs); the control plane counts a read complete only up to this long before it. */
export const DEFAULT_SETTLE_MS = 5_000;

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  created_at: Date;
  order_id: string | null;
  location_id: string | null;
  total_vnd: string | null;
  ordered_at: Date | null;
}

// order.created is joined to its order so the usage figures come from the order row itself,
// whatever the event's payload carries. The key is compared as a uuid so the orders primary key
// serves the join (comparing text would scan every order).
const READ_OUTBOX = `
  select ob.id::text as id, ob.topic, ob.key, ob.payload, ob.created_at,
         o.id as order_id, o.location_id, o.total_vnd::text as total_vnd, o.ordered_at
    from outbox ob
    left join orders o on ob.topic = 'order.created' and o.tenant_id = ob.tenant_id
                      and o.id = case when pg_input_is_valid(ob.key, 'uuid') then ob.key::uuid end
   where ob.id > $1 and ob.created_at <= statement_timestamp() - make_interval(secs => $2::float8 / 1000)
   order by ob.id
   limit $3`;

// Under the tenant's RLS, max(id) is the tenant's own: a backward scan of the primary key that
// stops at the tenant's newest row, no further than the page read walks forward from a cursor.
const READ_HEAD = `select outbox_epoch()::text as epoch, coalesce((select max(id) from outbox), 0)::text as max_id`;

export async function readOutbox(db: Database, tenantId: string, options: ReadOutboxOptions): Promise<OutboxPage> {
  const limit = Math.min(Math.max(1, options.limit), MAX_OUTBOX_PAGE);
  const { rows, head } = await db.sql(tenantId, async (client) => ({
    // One extra row tells whether another page follows without a count query.
    rows: (await client.query<OutboxRow>(READ_OUTBOX, [options.after.toString(), options.settleMs, limit + 1])).rows,
    // After the page, so the highest id is never below the page's last.
    head: (await client.query<{ epoch: string; max_id: string }>(READ_HEAD)).rows[0]!,
  }));
  const page = rows.slice(0, limit);
  return {
    events: page.map(toFeedEvent),
    next: page.length > 0 ? page[page.length - 1]!.id : options.after.toString(),
    hasMore: rows.length > limit,
    epoch: head.epoch,
    maxId: head.max_id,
  };
}

function toFeedEvent(row: OutboxRow): FeedEvent {
  const event: FeedEvent = { id: row.id, topic: row.topic, key: row.key, payload: row.payload, createdAt: row.created_at.toISOString() };
  if (row.order_id && row.location_id && row.total_vnd !== null && row.ordered_at) {
    event.order = { id: row.order_id, locationId: row.location_id, totalVnd: row.total_vnd, orderedAt: row.ordered_at.toISOString() };
  }
  return event;
}
