// Forecast accuracy. MASE scales errors by the in-sample weekly seasonal-naive error, so 1.0
// means "as good as repeating last week" and values from different items can be averaged.
import { WEEK } from "./seasonal-naive.js";

export function seasonalScale(train: readonly number[], period = WEEK): number {
  let sum = 0;
  let n = 0;
  for (let t = period; t < train.length; t++) {
    const d = train[t]! - train[t - period]!;
    if (Number.isNaN(d)) continue;
    sum += Math.abs(d);
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}

export function meanAbsoluteError(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    if (Number.isNaN(a)) continue;
    sum += Math.abs(a - forecast[i]!);
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}

export function mase(actual: readonly number[], forecast: readonly number[], train: readonly number[], period = WEEK): number {
  const scale = seasonalScale(train, period);
  if (!(scale > 0)) return Number.NaN;
  return meanAbsoluteError(actual, forecast) / scale;
}

/** Symmetric MAPE in percent (0..200); a day where both actual and forecast are 0 counts as exact. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    if (Number.isNaN(a)) continue;
    const f = forecast[i]!;
    const denom = Math.abs(a) + Math.abs(f);
    sum += denom === 0 ? 0 : (200 * Math.abs(a - f)) / denom;
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}
