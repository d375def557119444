// Test and benchmark support: a tenant with a menu, and a write load that logs every write it saw
// committed, so a move can be checked against the load generator's own record.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

export interface SeededTenant {
  tenantId: string;
  locationIds: string[];
  menuItemIds: string[];
}

/** Adds a menu (3 categories x 4 items) to a provisioned tenant, as the platform admin. */
export async function seedMenu(admin: pg.ClientBase, schema: string, tenantId: string): Promise<SeededTenant> {
  const s = admin.escapeIdentifier(schema);
  const items: string[] = [];
  for (let c = 0; c < 3; c++) {
    const cat = await admin.query<{ id: string }>(`insert into ${s}.menu_categories (tenant_id, name, position) values ($1, $2, $3) returning id`, [tenantId, `Category ${c}`, c]);
    for (let i = 0; i < 4; i++) {
      const item = await admin.query<{ id: string }>(`insert into ${s}.menu_items (tenant_id, category_id, name, price_vnd) values ($1, $2, $3, $4) returning id`, [
        tenantId,
        cat.rows[0]!.id,
        `Dish ${c}-${i}`,
        30_000 + 5_000 * i,
      ]);
      items.push(item.rows[0]!.id);
    }
  }
  const locations = await admin.query<{ id: string }>(`select id from ${s}.locations where tenant_id = $1 order by name`, [tenantId]);
  return { tenantId, locationIds: locations.rows.map((r) => r.id), menuItemIds: items };
}

export interface OrderWrite {
  idempotencyKey: string;
  totalVnd: number;
}

/**
 * One order with two lines, a pending payment settled in a second statement (an update the move
 * must carry), an audit entry and an outbox event — what the cell API writes for a paid order —
 * in one transaction on `client`, whose search_path is the cell's schema.
 */
export async function writeOrder(client: pg.ClientBase, tenant: SeededTenant, n: number, orderedAt?: Date): Promise<OrderWrite> {
  const key = `load-${randomUUID()}`;
  const location = tenant.locationIds[n % tenant.locationIds.length]!;
  const a = tenant.menuItemIds[n % tenant.menuItemIds.length]!;
  const b = tenant.menuItemIds[(n * 7 + 3) % tenant.menuItemIds.length]!;
  const qa = 1 + (n % 3);
  const total = qa * 40_000 + 35_000;
  await client.query("begin");
  try {
    await client.query("select set_config('app.tenant_id', $1, true)", [tenant.tenantId]);
    const order = await client.query<{ id: string }>(
      `insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at)
       values ($1, $2, $3, md5($3), 'dine_in', 'momo', $4, coalesce($5, now())) returning id`,
      [tenant.tenantId, location, key, total, orderedAt ?? null],
    );
    const orderId = order.rows[0]!.id;
    await client.query(
      `insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
       values ($1, $2, $3, 'A', $4, 40000, $5), ($1, $2, $6, 'B', 1, 35000, 35000)`,
      [tenant.tenantId, orderId, a, qa, qa * 40_000, b],
    );
    const payment = await client.query<{ id: string }>(
      `insert into payments (tenant_id, order_id, method, amount_vnd, status, provider_ref) values ($1, $2, 'momo', $3, 'pending', $4) returning id`,
      [tenant.tenantId, orderId, total, key],
    );
    await client.query("update payments set status = 'succeeded' where id = $1", [payment.rows[0]!.id]);
    await client.query(`insert into audit_log (tenant_id, actor, action, entity, entity_id) values ($1, 'load', 'order.created', 'order', $2)`, [tenant.tenantId, orderId]);
    await client.query(`insert into outbox (tenant_id, topic, key, payload) values ($1, 'order.created', $2, $3)`, [tenant.tenantId, key, JSON.stringify({ orderId, total })]);
    await client.query("commit");
    return { idempotencyKey: key, totalVnd: total };
  } catch (error) {
    await client.query("rollback");
    throw error;
  }
}

export interface LoadLog {
  /** Writes the load generator saw committed, with when (performance.now()) the commit returned. */
  committed: (OrderWrite & { at: number })[];
  /** Writes that failed, with the error; the move must make this empty. */
  failed: string[];
}

export interface WriteLoadOptions {
  /**
   * Orders per second per writer; unbounded when left out. Tests bound it: an unbounded load on a
   * 2-core machine shared with other suites takes all the CPU and turns every timeout into a race.
   */
  ordersPerSecond?: number;
}

/**
 * Writers that keep writing orders until stopped. `hold()` plays the router: while held, writers
 * wait before starting a request, and `route.current` says which cell they are routed to.
 */
export class WriteLoad {
  readonly log: LoadLog = { committed: [], failed: [] };
  private stopped = false;
  private held: Promise<void> | undefined;
  private releaseHeld: (() => void) | undefined;
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private readonly runners: Promise<void>[] = [];

  constructor(
    private readonly tenant: SeededTenant,
    private readonly route: { current: "source" | "target" },
  ) {}

  start(writers: number, sourceUrl: string, targetUrl: string, options: WriteLoadOptions = {}): void {
    const rate = options.ordersPerSecond;
    if (rate !== undefined && !(rate > 0)) throw new Error(`ordersPerSecond: expected a positive number, got ${rate}`);
    const intervalMs = rate === undefined ? 0 : 1000 / rate;
    for (let w = 0; w < writers; w++) this.runners.push(this.run(w, sourceUrl, targetUrl, intervalMs));
  }

  /** One line for a timeout message: how far the load got. */
  describe(): string {
    return `${this.log.committed.length} orders committed, ${this.log.failed.length} failed, ${this.inFlight} in flight${this.held ? ", held" : ""}`;
  }

  /** Holds new requests and resolves once the ones in flight have finished (the router's hold). */
  async hold(): Promise<void> {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  release(): void {
    this.held = undefined;
    this.releaseHeld?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.release();
    await Promise.all(this.runners);
  }

  private async run(writer: number, sourceUrl: string, targetUrl: string, intervalMs: number): Promise<void> {
    const clients = { source: new pg.Client({ connectionString: sourceUrl }), target: new pg.Client({ connectionString: targetUrl }) };
    await clients.source.connect();
    await clients.target.connect();
    try {
      let next = performance.now();
      for (let n = writer; !this.stopped; n += 1000) {
        // Paced from a fixed schedule, but a writer that fell behind (held, slow) does not burst to catch up.
        next = Math.max(next + intervalMs, performance.now());
        if (intervalMs > 0) await sleep(Math.max(0, next - performance.now()));
        while (this.held) await this.held;
        if (this.stopped) break;
        this.inFlight++;
        try {
          this.log.committed.push({ ...(await writeOrder(clients[this.route.current], this.tenant, n)), at: performance.now() });
        } catch (error) {
          this.log.failed.push((error as Error).message);
        } finally {
          this.inFlight--;
          if (this.inFlight === 0 && this.idle) {
            this.idle();
            this.idle = undefined;
          }
        }
      }
    } finally {
      await clients.source.end();
      await clients.target.end();
    }
  }
}

/**
 * `work`, or a rejection after `ms` that says where it stood (`diagnose`, e.g. the move's phase and
 * the load's progress) — so a test that overruns on a loaded machine fails with a reason instead of
 * jest's bare timeout, and before jest's own timeout cuts the clean-up short.
 */
export async function withinDeadline<T>(what: string, ms: number, work: Promise<T>, diagnose: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void diagnose()
        .catch((error: unknown) => `(diagnosis failed: ${(error as Error).message})`)
        .then((state) => reject(new Error(`${what} did not finish within ${ms} ms: ${state}`)));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
