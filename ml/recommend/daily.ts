// Aligns the cell's per-item daily quantities to the advice date: cut after `asOf`, unknown
// (NaN) for days not sent, and closed days missing rather than zero.
import { addDays, toDayNumber } from "../forecast/dates.js";
import type { DailySeries } from "../forecast/series.js";
import type { ItemDailySales } from "./types.js";

export function alignedSeries(sales: ItemDailySales, asOf: string, closed: ReadonlySet<string>): DailySeries {
  const length = toDayNumber(asOf) - toDayNumber(sales.start) + 1;
  const values = new Array<number>(Math.max(0, length));
  for (let i = 0; i < values.length; i++) {
    const q = sales.quantities[i];
    values[i] = q === undefined || q === null || Number.isNaN(q) ? Number.NaN : q;
  }
  for (const date of closed) {
    const i = toDayNumber(date) - toDayNumber(sales.start);
    if (i >= 0 && i < values.length) values[i] = Number.NaN;
  }
  return { start: sales.start, values };
}

/** Units sold per item over the last `days` days up to `asOf`. */
export function recentUnits(daily: readonly ItemDailySales[], asOf: string, days: number): Map<string, number> {
  const out = new Map<string, number>();
  const from = toDayNumber(addDays(asOf, -(days - 1)));
  const to = toDayNumber(asOf);
  for (const s of daily) {
    const start = toDayNumber(s.start);
    let sum = 0;
    for (let d = Math.max(from, start); d <= to; d++) {
      const q = s.quantities[d - start];
      if (typeof q === "number" && !Number.isNaN(q)) sum += q;
    }
    out.set(s.itemId, (out.get(s.itemId) ?? 0) + sum);
  }
  return out;
}
