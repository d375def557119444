// Imports a POS sales export into one location of one tenant. Two passes over the file: the first
// settles what the file looks like (delimiter, decimal mark, date order) from all its values, the
// second imports in batches, one transaction each. A bad line is reported and skipped; it never
// stops the rest. Re-running a file imports only orders not imported before.
import { existsSync, statSync } from "node:fs";
import type pg from "pg";
import { detectDelimiter, splitCsvLine, stripBom } from "./csv.js";
import { parseMapOption, resolveColumns, type Field } from "./mapping.js";
import { readLines } from "./read-lines.js";
import { parseSaleLine, type LineFormat } from "./sale-line.js";
import { detectDateOrder, detectDecimalMark, type DateOrder, type DecimalMark } from "./values.js";
import { countExisting, writeBatch, type ImportedOrder } from "./writer.js";
import { inTransaction } from "../../common/pg-transaction.js";

export interface ImportOptions {
  file: string;
  pool: pg.Pool;
  /** The cell's schema (cell_<name>). */
  schema: string;
  tenant: string;
  /** Location name or id. */
  location: string;
  /** "field=column,..." for columns with unrecognised names. */
  map?: string;
  dryRun?: boolean;
  priceMultiplier?: number;
  dateOrder?: DateOrder | "auto";
  decimalMark?: DecimalMark | "auto";
  delimiter?: string | "auto";
  channel?: "dine_in" | "takeaway" | "delivery";
  paymentMethod?: "cash" | "card" | "momo" | "zalopay" | "vnpay" | "bank_transfer";
  batchSize?: number;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  lines: number;
  bytesRead: number;
  totalBytes: number;
  ordersImported: number;
  rejected: number;
}

export interface Rejection {
  line: number;
  reason: string;
}

export interface ImportReport {
  file: string;
  dryRun: boolean;
  tenantId: string;
  locationId: string;
  detected: { delimiter: string; decimalMark: DecimalMark; dateOrder: DateOrder };
  /** Data lines read (the header excluded). */
  lines: number;
  linesImported: number;
  ordersImported: number;
  /** Orders found already imported by an earlier run (skipped whole). */
  ordersSkipped: number;
  menuItemsCreated: number;
  rejected: Rejection[];
  seconds: number;
}

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportError";
  }
}

export async function importSales(options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  if (!existsSync(options.file)) throw new ImportError(`--file: ${options.file} does not exist`);
  const explicitMap = parseMapOption(options.map);
  const format = await inspect(options, explicitMap);
  const target = await resolveTarget(options);
  const batchSize = options.batchSize ?? 1000;
  const totalBytes = statSync(options.file).size;

  const report: ImportReport = {
    file: options.file,
    dryRun: options.dryRun ?? false,
    tenantId: target.tenantId,
    locationId: target.locationId,
    detected: { delimiter: format.delimiter, decimalMark: format.decimalMark, dateOrder: format.dateOrder },
    lines: 0,
    linesImported: 0,
    ordersImported: 0,
    ordersSkipped: 0,
    menuItemsCreated: 0,
    rejected: [],
    seconds: 0,
  };
  const items = new Map<string, string>();
  const finished = new Map<string, number>();
  let current: (ImportedOrder & { firstLine: number; lineCount: number }) | undefined;
  let batch: (ImportedOrder & { lineCount: number })[] = [];
  let lastProgress = 0;
  let bytesRead = 0;

  let batches = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const orders = batch;
    batch = [];
    batches++;
    await inTenantTransaction(options.pool, options.schema, target.tenantId, async (client) => {
      if (report.dryRun) {
        const existing = await countExisting(client, target.locationId, orders);
        report.ordersSkipped += existing;
        report.ordersImported += orders.length - existing;
        // A dry run cannot tell which lines belong to the skipped orders without reading them all.
        report.linesImported += orders.reduce((n, o) => n + o.lineCount, 0);
        return;
      }
      const r = await writeBatch(client, { ...target, channel: options.channel ?? "dine_in", paymentMethod: options.paymentMethod ?? "cash" }, orders, items);
      report.ordersImported += r.inserted;
      report.ordersSkipped += r.skipped;
      report.linesImported += r.linesInserted;
      report.menuItemsCreated += r.itemsCreated;
    });
    // After batches 1, 2, 4, 8...: the planner's row counts stay within 2x of the truth while the
    // import grows the tables (costs a few tens of ms each; see the migration's comment).
    if (!report.dryRun && (batches & (batches - 1)) === 0) await options.pool.query(`select ${escapeIdent(options.schema)}.refresh_sales_statistics()`);
    const now = performance.now();
    if (options.onProgress && now - lastProgress > 500) {
      lastProgress = now;
      options.onProgress({ lines: report.lines, bytesRead, totalBytes, ordersImported: report.ordersImported, rejected: report.rejected.length });
    }
  };
  const closeOrder = async () => {
    if (!current) return;
    finished.set(current.ref, current.firstLine);
    batch.push(current);
    current = undefined;
    if (batch.length >= batchSize) await flush();
  };

  let header = true;
  for await (const { text, number, bytesRead: read } of readLines(options.file)) {
    bytesRead = read;
    if (header) {
      header = false;
      continue;
    }
    if (text.trim() === "") continue;
    report.lines++;
    const parsed = parseSaleLine(text, number, format);
    if ("reason" in parsed) {
      report.rejected.push(parsed);
      continue;
    }
    if (current?.ref !== parsed.orderRef) {
      const earlier = finished.get(parsed.orderRef);
      if (earlier !== undefined) {
        report.rejected.push({ line: number, reason: `order '${parsed.orderRef}' started at line ${earlier} and ended before this line; an order's lines must be consecutive` });
        continue;
      }
      await closeOrder();
      current = { ref: parsed.orderRef, localTime: parsed.localTime, lines: [], firstLine: number, lineCount: 0 };
    }
    current!.lines.push({ item: parsed.item, quantity: parsed.quantity, unitPriceVnd: parsed.unitPriceVnd });
    current!.lineCount++;
  }
  await closeOrder();
  await flush();
  report.seconds = (performance.now() - started) / 1000;
  options.onProgress?.({ lines: report.lines, bytesRead: totalBytes, totalBytes, ordersImported: report.ordersImported, rejected: report.rejected.length });
  return report;
}

/** First pass: the header, the delimiter, and the decimal mark and date order of all values. */
async function inspect(options: ImportOptions, explicitMap: Partial<Record<Field, string>>): Promise<LineFormat> {
  let format: Omit<LineFormat, "decimalMark" | "dateOrder"> | undefined;
  const prices: string[] = [];
  const dates: string[] = [];
  for await (const { text } of readLines(options.file)) {
    if (!format) {
      const line = stripBom(text);
      const delimiter = !options.delimiter || options.delimiter === "auto" ? detectDelimiter(line) : options.delimiter;
      const headerFields = splitCsvLine(line, delimiter);
      format = { delimiter, headerFields: headerFields.length, columns: resolveColumns(headerFields, explicitMap), priceMultiplier: options.priceMultiplier ?? 1 };
      continue;
    }
    const v = splitCsvLine(text, format.delimiter);
    if (v.length !== format.headerFields) continue;
    if (prices.length < 50_000) prices.push(v[format.columns.unitPrice]!);
    dates.push(v[format.columns.date]!);
  }
  if (!format) throw new ImportError(`${options.file} is empty: expected a header line and sales lines`);
  const decimalMark = !options.decimalMark || options.decimalMark === "auto" ? (detectDecimalMark(prices) ?? ".") : options.decimalMark;
  let dateOrder: DateOrder;
  if (!options.dateOrder || options.dateOrder === "auto") {
    const detected = detectDateOrder(dates);
    if (detected === "conflict") throw new ImportError("dates are day-first on some lines and month-first on others; pass --date-order dmy or mdy");
    // Vietnamese exports write the day first; undecidable files (every day <= 12) follow that.
    dateOrder = detected ?? "dmy";
  } else dateOrder = options.dateOrder;
  return { ...format, decimalMark, dateOrder };
}

async function resolveTarget(options: ImportOptions): Promise<{ tenantId: string; locationId: string; timezone: string }> {
  const client = await options.pool.connect();
  try {
    await client.query("begin");
    await client.query("select set_config('search_path', $1, true)", [client.escapeIdentifier(options.schema)]);
    const tenant = (await client.query<{ id: string; status: string }>("select id, status from tenant_by_slug($1)", [options.tenant])).rows[0];
    if (!tenant) throw new ImportError(`--tenant: no tenant '${options.tenant}' in schema ${options.schema}`);
    if (tenant.status !== "active") throw new ImportError(`--tenant: tenant '${options.tenant}' is ${tenant.status}`);
    await client.query("select set_config('app.tenant_id', $1, true)", [tenant.id]);
    // Filtered by tenant, not only by row-level security: as the platform admin the importer
    // sees every tenant's rows in a shared cell.
    const locations = (await client.query<{ id: string; name: string; timezone: string }>("select id, name, timezone from locations where tenant_id = $1 order by name", [tenant.id])).rows;
    const location = locations.find((l) => l.id === options.location || l.name === options.location);
    if (!location) {
      throw new ImportError(`--location: '${options.location}' is not a location of '${options.tenant}' (locations: ${locations.map((l) => `${l.name} (${l.id})`).join(", ") || "none"})`);
    }
    return { tenantId: tenant.id, locationId: location.id, timezone: location.timezone };
  } finally {
    await client.query("rollback").catch(() => {});
    client.release();
  }
}

/** The importer may run as the cell's API role or as the platform admin: set the schema too. */
function inTenantTransaction<T>(pool: pg.Pool, schema: string, tenantId: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    await client.query("select set_config('search_path', $1, true), set_config('app.tenant_id', $2, true)", [client.escapeIdentifier(schema), tenantId]);
    return work(client);
  });
}

function escapeIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
