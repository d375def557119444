// Invoices in the database. A draft is recomputed from its inputs each time it is prepared;
// issuing freezes it (the table's trigger refuses any later change of figures), so re-running a
// closed period returns the stored invoice untouched.
import type pg from "pg";
import { inClientTransaction } from "../../common/pg-transaction.js";
import { lastGaugeBefore } from "../usage/index.js";
import { computeInvoice, type ComputedInvoice, type InvoiceLine, type SegmentUsage } from "./compute.js";
import { localDateOf, parsePeriod, type Period } from "./period.js";
import type { PlanCatalog } from "./plans.js";
import { CANCELLED, subscriptionSegments, type Segment } from "./segments.js";
import { BillingInputError, planChanges } from "./subscriptions.js";
import { USAGE_LOCK_SPACE, usageLockKey } from "./usage-lock.js";
import type { VatConfig } from "./vat.js";

export type InvoiceStatus = "draft" | "issued" | "paid" | "void";

export interface Invoice {
  id: string;
  number: string;
  tenantSlug: string;
  period: string;
  status: InvoiceStatus;
  lines: InvoiceLine[];
  subtotalVnd: bigint;
  vatRateBasisPoints: number;
  vatVnd: bigint;
  totalVnd: bigint;
  contentHash: string;
  issuedAt?: Date;
  dueOn?: string;
  paidVnd: bigint;
  paidAt?: Date;
}

export interface BillingConfig {
  plans: PlanCatalog;
  vat: VatConfig;
  /** Days from issue to due date; default 15. */
  paymentTermDays?: number;
}

export interface PreparedInvoice {
  invoice: Invoice;
  /** For a closed invoice: whether re-computing now would give different figures (late usage). */
  recomputedDiffers: boolean;
}

export function invoiceNumber(tenantSlug: string, period: string): string {
  return `LSP-${period.replace("-", "")}-${tenantSlug}`;
}

/** Everything the invoice depends on, read in one repeatable-read snapshot. */
export async function gatherInvoice(client: pg.ClientBase, config: BillingConfig, tenantSlug: string, period: Period): Promise<ComputedInvoice> {
  const segments = subscriptionSegments(period, await planChanges(client, tenantSlug));
  const usage: SegmentUsage[] = [];
  for (const segment of segments) usage.push(await segmentUsage(client, tenantSlug, segment));
  const carried = {
    activeLocations: await lastGaugeBefore(client, tenantSlug, "active_locations", period.start),
    staffSeats: await lastGaugeBefore(client, tenantSlug, "staff_seats", period.start),
  };
  return computeInvoice({ tenantSlug, period, segments, usage, carried, plans: config.plans, vat: config.vat });
}

async function segmentUsage(client: pg.ClientBase, tenantSlug: string, segment: Segment): Promise<SegmentUsage> {
  const { rows } = await client.query<{ orders: number; gmv: string; locations: number | null; seats: number | null }>(
    `select count(*) filter (where kind = 'order')::int as orders,
            coalesce(sum(amount_vnd) filter (where kind = 'order'), 0)::text as gmv,
            max(quantity) filter (where kind = 'active_locations')::int as locations,
            max(quantity) filter (where kind = 'staff_seats')::int as seats
       from billing.usage_events where tenant_slug = $1 and occurred_at >= $2 and occurred_at < $3`,
    [tenantSlug, segment.start, segment.end],
  );
  const r = rows[0]!;
  return { orders: r.orders, gmvVnd: BigInt(r.gmv), ...(r.locations !== null ? { maxActiveLocations: r.locations } : {}), ...(r.seats !== null ? { maxStaffSeats: r.seats } : {}) };
}

/** Computes the period's invoice and stores it as a draft, or returns the closed one unchanged. */
export async function prepareInvoice(pool: pg.Pool, config: BillingConfig, tenantSlug: string, periodId: string): Promise<PreparedInvoice> {
  return inSnapshot(pool, tenantSlug, periodId, (client) => prepareIn(client, config, tenantSlug, periodId));
}

/** prepareInvoice's work, in the caller's snapshot. */
async function prepareIn(client: pg.PoolClient, config: BillingConfig, tenantSlug: string, periodId: string): Promise<PreparedInvoice> {
  const period = parsePeriod(periodId);
  const computed = await gatherInvoice(client, config, tenantSlug, period);
  const existing = await readInvoice(client, "tenant_slug = $1 and period = $2", [tenantSlug, periodId]);
  if (existing && existing.status !== "draft") return { invoice: existing, recomputedDiffers: existing.contentHash !== computed.contentHash };
  const { rows } = await client.query<InvoiceRow>(
    `insert into billing.invoices (number, tenant_slug, period, status, subtotal_vnd, vat_rate_bp, vat_vnd, total_vnd, lines, content_hash)
     values ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9)
     on conflict (tenant_slug, period) do update set subtotal_vnd = excluded.subtotal_vnd, vat_rate_bp = excluded.vat_rate_bp,
       vat_vnd = excluded.vat_vnd, total_vnd = excluded.total_vnd, lines = excluded.lines, content_hash = excluded.content_hash,
       updated_at = case when billing.invoices.content_hash = excluded.content_hash then billing.invoices.updated_at else now() end
     returning ${COLUMNS}`,
    [invoiceNumber(tenantSlug, periodId), tenantSlug, periodId, computed.subtotalVnd.toString(), computed.vatRateBasisPoints, computed.vatVnd.toString(), computed.totalVnd.toString(), JSON.stringify(computed.lines), computed.contentHash],
  );
  return { invoice: toInvoice(rows[0]!), recomputedDiffers: false };
}

/** A cell's usage for the month may not all be here yet: issuing now would freeze an invoice short of it. */
export class UsageNotCaughtUpError extends Error {
  constructor(readonly tenantSlug: string, readonly cells: { cell: string; lastSuccessAt: Date | null }[]) {
    super(
      `usage of '${tenantSlug}' is not read to the end since the month ended (${cells.map((c) => `cell ${c.cell}: last complete read ${c.lastSuccessAt?.toISOString() ?? "never"}`).join("; ")}); issue again once the sync caught up`,
    );
    this.name = "UsageNotCaughtUpError";
  }
}

/** Whether the subscription in force at the end of the period is cancelled. */
async function endedBy(pool: pg.Pool, tenantSlug: string, period: Period): Promise<boolean> {
  const end = localDateOf(period.end);
  return (await planChanges(pool, tenantSlug)).filter((c) => c.effectiveOn < end).at(-1)?.plan === CANCELLED;
}

/**
 * Cells that fed the tenant during the period (a cursor that moved since the period started)
 * must have been read to the end after the period ended. A cell the tenant left before the
 * period does not hold the invoice back, nor one it left during the period (retired: its orders
 * reach billing through the new cell's feed, which must then be read past the period's end).
 */
async function assertUsageCaughtUp(pool: pg.Pool, tenantSlug: string, period: Period): Promise<void> {
  const { rows } = await pool.query<{ cell: string; last_success_at: Date | null }>(
    `select cell, last_success_at from billing.feed_cursors
      where tenant_slug = $1 and retired_at is null and greatest(last_success_at, last_event_at, last_attempt_at) >= $2
        and (last_success_at is null or last_success_at < $3)`,
    [tenantSlug, period.start, period.end],
  );
  if (rows.length > 0) throw new UsageNotCaughtUpError(tenantSlug, rows.map((r) => ({ cell: r.cell, lastSuccessAt: r.last_success_at })));
}

/**
 * Closes the period: recomputes the draft one last time and freezes it. Only once the month is
 * over and every cell that fed the tenant was read to the end after it (UsageNotCaughtUpError).
 */
export async function issueInvoice(pool: pg.Pool, config: BillingConfig, tenantSlug: string, periodId: string, now = new Date()): Promise<Invoice> {
  const period = parsePeriod(periodId);
  if (now < period.end) throw new BillingInputError("period", `${periodId} is not over yet (it ends ${period.end.toISOString()}); its invoice cannot be issued`);
  const existing = await readInvoice(pool, "tenant_slug = $1 and period = $2", [tenantSlug, periodId]);
  if (existing && existing.status !== "draft") return existing;
  // A tenant that ended during the month (its Tenant deleted): its cell is gone or going, and what
  // it still held can never be read, so waiting for it would hold the invoice back forever.
  if (!(await endedBy(pool, tenantSlug, period))) await assertUsageCaughtUp(pool, tenantSlug, period);
  // Computed and frozen in one transaction, with the period's usage closed to ingestion meanwhile
  // (see usageLockKey): an order ingested between the two would otherwise be stored in the period
  // after its invoice was computed, and never billed.
  return inSnapshot(
    pool,
    tenantSlug,
    periodId,
    async (client) => {
      const prepared = await prepareIn(client, config, tenantSlug, periodId);
      if (prepared.invoice.status !== "draft") return prepared.invoice;
      const due = new Date(now.getTime() + (config.paymentTermDays ?? 15) * 86_400_000);
      const { rows } = await client.query<InvoiceRow>(
        `update billing.invoices set status = case when total_vnd = 0 then 'paid' else 'issued' end, issued_at = $2::timestamptz, due_on = $3::date,
                paid_at = case when total_vnd = 0 then $2::timestamptz else null end, updated_at = now()
          where id = $1 and status = 'draft' returning ${COLUMNS}`,
        [prepared.invoice.id, now, localDateOf(due)],
      );
      return toInvoice(rows[0]!);
    },
    { closeUsage: true },
  );
}

export async function getInvoice(pool: pg.Pool | pg.ClientBase, number: string): Promise<Invoice | undefined> {
  return readInvoice(pool, "number = $1", [number]);
}

export async function listInvoices(pool: pg.Pool | pg.ClientBase, tenantSlug: string): Promise<Invoice[]> {
  const { rows } = await pool.query<InvoiceRow>(`select ${COLUMNS} from billing.invoices where tenant_slug = $1 order by period desc`, [tenantSlug]);
  return rows.map(toInvoice);
}

/**
 * Records a payment once per provider transaction (webhooks are delivered more than once) and
 * marks the invoice paid when the payments cover it.
 */
export async function recordPayment(pool: pg.Pool, payment: { invoiceNumber: string; amountVnd: bigint; provider: string; providerRef: string; at?: Date }): Promise<Invoice> {
  if (payment.amountVnd <= 0n) throw new BillingInputError("amountVnd", "must be a positive number of đồng");
  const invoice = await getInvoice(pool, payment.invoiceNumber);
  if (!invoice) throw new BillingInputError("invoiceNumber", `no invoice '${payment.invoiceNumber}'`);
  if (invoice.status === "draft" || invoice.status === "void") throw new BillingInputError("invoiceNumber", `invoice ${invoice.number} is ${invoice.status} and cannot be paid`);
  const at = payment.at ?? new Date();
  const client = await pool.connect();
  try {
    await client.query("begin");
    // Payments of one invoice take turns: the sum below must see every committed payment. Without
    // the lock, two concurrent payments each summed without the other's, and the last committer's
    // partial sum stood — a paid invoice stayed `issued` and dunning went on to suspend the tenant.
    await client.query(`select 1 from billing.invoices where id = $1 for update`, [invoice.id]);
    await client.query(
      `insert into billing.payments (invoice_id, amount_vnd, provider, provider_ref, received_at) values ($1, $2, $3, $4, $5) on conflict (provider, provider_ref) do nothing`,
      [invoice.id, payment.amountVnd.toString(), payment.provider, payment.providerRef, at],
    );
    const { rows } = await client.query<InvoiceRow>(
      `update billing.invoices i set paid_vnd = p.total,
              status = case when p.total >= i.total_vnd then 'paid' else i.status end,
              paid_at = case when p.total >= i.total_vnd then coalesce(i.paid_at, $2) else null end, updated_at = now()
         from (select coalesce(sum(amount_vnd), 0) as total from billing.payments where invoice_id = $1) p
        where i.id = $1 returning ${COLUMNS.split(", ").map((c) => `i.${c}`).join(", ")}`,
      [invoice.id, at],
    );
    await client.query("commit");
    return toInvoice(rows[0]!);
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const COLUMNS = "id, number, tenant_slug, period, status, lines, subtotal_vnd, vat_rate_bp, vat_vnd, total_vnd, content_hash, issued_at, due_on, paid_vnd, paid_at";

interface InvoiceRow {
  id: string;
  number: string;
  tenant_slug: string;
  period: string;
  status: InvoiceStatus;
  lines: InvoiceLine[];
  subtotal_vnd: string;
  vat_rate_bp: number;
  vat_vnd: string;
  total_vnd: string;
  content_hash: string;
  issued_at: Date | null;
  due_on: Date | string | null;
  paid_vnd: string;
  paid_at: Date | null;
}

async function readInvoice(client: pg.Pool | pg.ClientBase, where: string, params: unknown[]): Promise<Invoice | undefined> {
  const { rows } = await client.query<InvoiceRow>(`select ${COLUMNS.replace("due_on", "to_char(due_on, 'YYYY-MM-DD') as due_on")} from billing.invoices where ${where}`, params);
  return rows[0] ? toInvoice(rows[0]) : undefined;
}

function toInvoice(r: InvoiceRow): Invoice {
  return {
    id: r.id,
    number: r.number,
    tenantSlug: r.tenant_slug,
    period: r.period,
    status: r.status,
    lines: r.lines,
    subtotalVnd: BigInt(r.subtotal_vnd),
    vatRateBasisPoints: r.vat_rate_bp,
    vatVnd: BigInt(r.vat_vnd),
    totalVnd: BigInt(r.total_vnd),
    contentHash: r.content_hash,
    ...(r.issued_at ? { issuedAt: r.issued_at } : {}),
    ...(r.due_on ? { dueOn: typeof r.due_on === "string" ? r.due_on : localIso(r.due_on) } : {}),
    paidVnd: BigInt(r.paid_vnd),
    ...(r.paid_at ? { paidAt: r.paid_at } : {}),
  };
}

// pg parses a bare date as local midnight of the Node process.
function localIso(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/**
 * Serialises preparers of one tenant's period (a session lock taken before the transaction, so
 * the snapshot starts after the previous preparer committed) and reads all inputs from one snapshot.
 * `closeUsage`: also waits for ingestion of that month's usage in progress to commit, and holds
 * further ingestion off until this transaction ends (usageLockKey).
 */
async function inSnapshot<T>(pool: pg.Pool, tenantSlug: string, period: string, work: (client: pg.PoolClient) => Promise<T>, options: { closeUsage?: boolean } = {}): Promise<T> {
  const client = await pool.connect();
  // [key, key space], taken in this order and released in reverse.
  const locks: [string, number][] = [[`invoice:${tenantSlug}:${period}`, 800], ...(options.closeUsage ? [[usageLockKey(tenantSlug, period), USAGE_LOCK_SPACE] as [string, number]] : [])];
  try {
    for (const lock of locks) await client.query("select pg_advisory_lock(hashtextextended($1, $2))", lock);
    return await inClientTransaction(client, () => work(client), "begin isolation level repeatable read");
  } finally {
    for (const lock of locks.reverse()) await client.query("select pg_advisory_unlock(hashtextextended($1, $2))", lock).catch(() => {});
    client.release();
  }
}
