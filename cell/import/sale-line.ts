// One CSV line to one sale line, or the reason it cannot be imported.
import { splitCsvLine } from "./csv.js";
import type { ColumnMap } from "./mapping.js";
import { parseDate, parseTime, parseVnd, type DateOrder, type DecimalMark } from "./values.js";

export interface SaleLine {
  line: number;
  orderRef: string;
  item: string;
  quantity: number;
  /** Local date and time at the location: "YYYY-MM-DD HH:MM:SS". */
  localTime: string;
  unitPriceVnd: number;
}

export interface LineFormat {
  delimiter: string;
  columns: ColumnMap;
  headerFields: number;
  decimalMark: DecimalMark;
  dateOrder: DateOrder;
  priceMultiplier: number;
}

export function parseSaleLine(text: string, line: number, f: LineFormat): SaleLine | { line: number; reason: string } {
  const v = splitCsvLine(text, f.delimiter);
  if (v.length !== f.headerFields) return { line, reason: `has ${v.length} fields, the header has ${f.headerFields}` };
  const orderRef = v[f.columns.orderId]!.trim();
  if (!orderRef) return { line, reason: "orderId is empty" };
  const item = v[f.columns.item]!.trim();
  if (!item) return { line, reason: "item is empty" };
  const qtyText = v[f.columns.quantity]!.trim();
  const quantity = /^\d{1,6}$/.test(qtyText) ? Number(qtyText) : NaN;
  if (!(quantity > 0)) return { line, reason: `quantity '${qtyText}' is not a positive whole number` };
  const date = parseDate(v[f.columns.date]!, f.dateOrder);
  if ("error" in date) return { line, reason: `date ${date.error}` };
  const time = parseTime(v[f.columns.time]!);
  if ("error" in time) return { line, reason: `time ${time.error}` };
  const price = parseVnd(v[f.columns.unitPrice]!, f.decimalMark, f.priceMultiplier);
  if ("error" in price) return { line, reason: `unitPrice ${price.error}` };
  return { line, orderRef, item, quantity, localTime: `${date.date} ${time.time}`, unitPriceVnd: price.vnd };
}
