// A daily series on a dense calendar: one slot per day from `start`, NaN where the day is
// unknown (closed, not yet recorded). Closed days are missing data, never zero demand, so a
// holiday closure does not drag the forecast down.
import { addDays, fromDayNumber, toDayNumber } from "./dates.js";

export interface DailyPoint {
  date: string;
  value: number;
}

export interface DailySeries {
  start: string;
  values: number[];
}

/**
 * Lays points onto a dense calendar. Days without a point become NaN unless `fillZero` is set
 * (an item with no sales on an open day sold zero; the caller knows which days were open).
 */
export function densify(points: readonly DailyPoint[], options: { closed?: ReadonlySet<string>; end?: string; fillZero?: boolean } = {}): DailySeries {
  if (points.length === 0) throw new RangeError("series is empty");
  let first = Infinity;
  let last = -Infinity;
  for (const p of points) {
    const d = toDayNumber(p.date);
    if (d < first) first = d;
    if (d > last) last = d;
  }
  if (options.end !== undefined) last = Math.max(last, toDayNumber(options.end));
  const values = new Array<number>(last - first + 1).fill(options.fillZero ? 0 : Number.NaN);
  for (const p of points) {
    const i = toDayNumber(p.date) - first;
    values[i] = (Number.isNaN(values[i]!) ? 0 : values[i]!) + p.value;
  }
  if (options.closed) {
    for (const date of options.closed) {
      const i = toDayNumber(date) - first;
      if (i >= 0 && i < values.length) values[i] = Number.NaN;
    }
  }
  return { start: fromDayNumber(first), values };
}

export function endDate(series: DailySeries): string {
  return addDays(series.start, series.values.length - 1);
}

export function countObserved(values: readonly number[]): number {
  let n = 0;
  for (const v of values) if (!Number.isNaN(v)) n++;
  return n;
}

/** Fills gaps with the mean of the same weekday slot nearby, for models that cannot skip NaN. */
export function imputeSeasonal(values: readonly number[], period = 7): number[] {
  const out = values.slice();
  for (let i = 0; i < out.length; i++) {
    if (!Number.isNaN(out[i]!)) continue;
    let sum = 0;
    let n = 0;
    for (let k = 1; k <= 4; k++) {
      for (const j of [i - k * period, i + k * period]) {
        const v = values[j];
        if (v !== undefined && !Number.isNaN(v)) {
          sum += v;
          n++;
        }
      }
      if (n >= 2) break;
    }
    out[i] = n > 0 ? sum / n : meanObserved(values);
  }
  return out;
}

export function meanObserved(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}
