import { probit } from "simple-statistics";
import type { Forecast } from "./types.js";

/** Two-sided normal quantile for a central interval, e.g. level 0.9 -> 1.645. */
export function zFor(level: number): number {
  return probit(0.5 + level / 2);
}

/** Demand is never negative: clamp the point and the band at zero. */
export function normalForecast(point: readonly number[], sd: readonly number[], level: number): Forecast {
  const z = zFor(level);
  return {
    point: point.map((p) => Math.max(0, p)),
    lower: point.map((p, h) => Math.max(0, p - z * sd[h]!)),
    upper: point.map((p, h) => Math.max(0, p + z * sd[h]!)),
  };
}

export function rmse(errors: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const e of errors) {
    if (Number.isNaN(e)) continue;
    sum += e * e;
    n++;
  }
  return n > 0 ? Math.sqrt(sum / n) : 0;
}
