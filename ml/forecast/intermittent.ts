// Intermittent demand (many zero days, e.g. a dish that sells twice a week): Croston and TSB
// forecast a flat rate instead of chasing the zeros. TSB also decays the rate when an item stops
// selling, which Croston cannot.
import { normalForecast, rmse } from "./intervals.js";
import type { Forecast } from "./types.js";

const SMOOTHING = [0.05, 0.1, 0.2, 0.3];

/** Share of observed days with zero demand above which a series counts as intermittent. */
export const INTERMITTENT_ZERO_SHARE = 0.3;

export function zeroShare(values: readonly number[]): number {
  let zeros = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    n++;
    if (v === 0) zeros++;
  }
  return n > 0 ? zeros / n : 0;
}

export function croston(values: readonly number[], horizon: number, level: number): Forecast {
  return bestOf(values, horizon, level, (alpha) => crostonRun(values, alpha));
}

export function tsb(values: readonly number[], horizon: number, level: number): Forecast {
  return bestOf(values, horizon, level, (alpha) => tsbRun(values, alpha, alpha / 2));
}

function bestOf(values: readonly number[], horizon: number, level: number, runner: (alpha: number) => { rate: number; errors: number[] }): Forecast {
  let best: { rate: number; sigma: number } | undefined;
  for (const alpha of SMOOTHING) {
    const { rate, errors } = runner(alpha);
    const sigma = rmse(errors);
    if (!best || sigma < best.sigma) best = { rate, sigma };
  }
  return normalForecast(new Array<number>(horizon).fill(best!.rate), new Array<number>(horizon).fill(best!.sigma), level);
}

// Croston with the Syntetos-Boylan correction (1 - alpha/2), which removes Croston's known upward bias.
function crostonRun(values: readonly number[], alpha: number): { rate: number; errors: number[] } {
  let size = Number.NaN;
  let interval = 1;
  let sinceLast = 1;
  const errors: number[] = [];
  for (const y of values) {
    if (Number.isNaN(y)) continue;
    const rate = Number.isNaN(size) ? Number.NaN : (1 - alpha / 2) * (size / interval);
    if (!Number.isNaN(rate)) errors.push(y - rate);
    if (y > 0) {
      size = Number.isNaN(size) ? y : size + alpha * (y - size);
      interval = interval + alpha * (sinceLast - interval);
      sinceLast = 1;
    } else {
      sinceLast++;
    }
  }
  return { rate: Number.isNaN(size) ? 0 : (1 - alpha / 2) * (size / interval), errors };
}

function tsbRun(values: readonly number[], alpha: number, beta: number): { rate: number; errors: number[] } {
  let probability = Number.NaN;
  let size = Number.NaN;
  const errors: number[] = [];
  for (const y of values) {
    if (Number.isNaN(y)) continue;
    if (!Number.isNaN(probability) && !Number.isNaN(size)) errors.push(y - probability * size);
    const sold = y > 0 ? 1 : 0;
    probability = Number.isNaN(probability) ? sold : probability + beta * (sold - probability);
    if (y > 0) size = Number.isNaN(size) ? y : size + alpha * (y - size);
  }
  return { rate: Number.isNaN(size) ? 0 : probability * size, errors };
}
