// Turns sale lines into the daily series the forecaster takes: one per item, one for the whole
// restaurant. A day with no sale lines at all is a closed day (missing), while an item with no
// sales on an open day sold zero.
import { toDayNumber, fromDayNumber } from "../forecast/dates.js";
import type { DailySeries } from "../forecast/series.js";
import type { SaleLine } from "./pizza-sales.js";

export interface SalesSeries {
  start: string;
  end: string;
  openDays: Set<string>;
  restaurant: DailySeries;
  items: Map<string, DailySeries>;
}

export function dailySeries(lines: readonly SaleLine[]): SalesSeries {
  if (lines.length === 0) throw new RangeError("no sale lines");
  let first = Infinity;
  let last = -Infinity;
  for (const l of lines) {
    const d = toDayNumber(l.date);
    if (d < first) first = d;
    if (d > last) last = d;
  }
  const length = last - first + 1;
  const open = new Array<boolean>(length).fill(false);
  const total = new Array<number>(length).fill(0);
  const perItem = new Map<string, number[]>();
  for (const l of lines) {
    const i = toDayNumber(l.date) - first;
    open[i] = true;
    total[i]! += l.quantity;
    let row = perItem.get(l.itemId);
    if (!row) perItem.set(l.itemId, (row = new Array<number>(length).fill(0)));
    row[i]! += l.quantity;
  }
  const closeMissing = (row: number[]) => row.map((v, i) => (open[i] ? v : Number.NaN));
  const start = fromDayNumber(first);
  const items = new Map<string, DailySeries>();
  for (const [id, row] of perItem) items.set(id, { start, values: closeMissing(row) });
  const openDays = new Set<string>();
  open.forEach((o, i) => o && openDays.add(fromDayNumber(first + i)));
  return { start, end: fromDayNumber(last), openDays, restaurant: { start, values: closeMissing(total) }, items };
}
