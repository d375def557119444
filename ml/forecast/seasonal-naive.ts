// Weekly seasonal naive: tomorrow sells what the same weekday sold last week. The floor every
// other model must beat, and the safe choice for short histories.
import { normalForecast, rmse } from "./intervals.js";
import type { Forecast } from "./types.js";

export const WEEK = 7;

export function seasonalNaive(values: readonly number[], horizon: number, level: number, period = WEEK): Forecast {
  const n = values.length;
  const lastSeason: number[] = [];
  for (let k = 0; k < period; k++) {
    // Walk back whole weeks past missing days (a closed Monday borrows the Monday before).
    let i = n - period + k;
    while (i >= 0 && Number.isNaN(values[i]!)) i -= period;
    lastSeason.push(i >= 0 ? values[i]! : Number.NaN);
  }
  const fallback = lastObserved(values);
  const errors: number[] = [];
  for (let t = period; t < n; t++) errors.push(values[t]! - values[t - period]!);
  const sigma = rmse(errors);
  const point: number[] = [];
  const sd: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    const v = lastSeason[(h - 1) % period]!;
    point.push(Number.isNaN(v) ? fallback : v);
    sd.push(sigma * Math.sqrt(Math.floor((h - 1) / period) + 1));
  }
  return normalForecast(point, sd, level);
}

function lastObserved(values: readonly number[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (!Number.isNaN(values[i]!)) return values[i]!;
  return 0;
}
