// Parser for the pizza point-of-sale export used in tests and the benchmark (a real file, kept
// out of git): ';'-delimited, ',' decimals, a UTF-8 BOM, and dates as both "1/1/2015" (M/D/YYYY)
// and "13-01-2015". Both are day-first: order ids run 10/1/2015, 11/1/2015, 12/1/2015, 13-01-2015,
// so the slashed form is D/M/YYYY (a spreadsheet wrote days 1-12 as dates, the rest as text).
import { readFileSync } from "node:fs";

export interface SaleLine {
  orderId: string;
  itemId: string;
  quantity: number;
  date: string;
  time: string;
  unitPrice: number;
  size: string;
}

const COLUMNS = ["pizza_id", "order_id", "pizza_name_id", "quantity", "order_date", "order_time", "unit_price", "pizza_size"] as const;

export class SalesParseError extends Error {
  constructor(
    readonly line: number,
    readonly field: string,
    message: string,
  ) {
    super(`line ${line}, ${field}: ${message}`);
    this.name = "SalesParseError";
  }
}

export function parsePizzaSales(text: string): SaleLine[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = lines[0]?.split(";").map((h) => h.trim()) ?? [];
  if (COLUMNS.some((c, i) => header[i] !== c)) throw new SalesParseError(1, "header", `expected ${COLUMNS.join(";")}, got ${header.join(";")}`);
  const out: SaleLine[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === "") continue;
    const cells = raw.split(";");
    const lineNo = i + 1;
    if (cells.length !== COLUMNS.length) throw new SalesParseError(lineNo, "line", `expected ${COLUMNS.length} fields, got ${cells.length}`);
    const quantity = parseDecimal(cells[3]!, lineNo, "quantity");
    if (!Number.isInteger(quantity) || quantity <= 0) throw new SalesParseError(lineNo, "quantity", `must be a positive whole number, got ${cells[3]}`);
    const time = cells[5]!.trim();
    if (!/^\d{1,2}:\d{2}(:\d{2})?$/.test(time)) throw new SalesParseError(lineNo, "order_time", `expected HH:MM:SS, got ${JSON.stringify(time)}`);
    out.push({
      orderId: cells[1]!.trim(),
      itemId: cells[2]!.trim(),
      quantity,
      date: parseSalesDate(cells[4]!, lineNo),
      time: time.padStart(8, "0"),
      unitPrice: parseDecimal(cells[6]!, lineNo, "unit_price"),
      size: cells[7]!.trim(),
    });
  }
  return out;
}

export function readPizzaSales(path: string): SaleLine[] {
  return parsePizzaSales(readFileSync(path, "utf8"));
}

function parseDecimal(cell: string, line: number, field: string): number {
  const value = Number(cell.trim().replace(",", "."));
  if (cell.trim() === "" || !Number.isFinite(value)) throw new SalesParseError(line, field, `not a number: ${JSON.stringify(cell)}`);
  return value;
}

/** "2/1/2015" and "02-01-2015" are both 2 January 2015 (day first). */
export function parseSalesDate(cell: string, line = 0): string {
  const s = cell.trim();
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  let year: number, month: number, day: number;
  m ??= /^(\d{1,2})-(\d{1,2})-(\d{4})$/.exec(s);
  if (m) [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else throw new SalesParseError(line, "order_date", `unrecognised date ${JSON.stringify(cell)}`);
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) throw new SalesParseError(line, "order_date", `no such day ${JSON.stringify(cell)}`);
  return d.toISOString().slice(0, 10);
}
