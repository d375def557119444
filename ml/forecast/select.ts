// Per-series model choice: every candidate forecasts the last weeks of the history from a few
// rolling origins, and the one with the lowest mean absolute error wins. Short histories skip
// the contest and use the weekly seasonal naive, which needs only one week.
import { backtest } from "./backtest.js";
import { ets, etsLog } from "./ets.js";
import { croston, INTERMITTENT_ZERO_SHARE, tsb, zeroShare } from "./intermittent.js";
import { mstlEts } from "./mstl.js";
import { seasonalNaive, WEEK } from "./seasonal-naive.js";
import { countObserved } from "./series.js";
import type { ForecastFn, ModelName } from "./types.js";

export const MODELS: Readonly<Record<ModelName, ForecastFn>> = {
  seasonal_naive: seasonalNaive,
  ets,
  ets_log: etsLog,
  mstl_ets: mstlEts,
  croston,
  tsb,
};

export const REGULAR_CANDIDATES: readonly ModelName[] = ["seasonal_naive", "ets", "ets_log"];
/** With two years of history MSTL can add a yearly season that Holt-Winters cannot hold. */
export const LONG_CANDIDATES: readonly ModelName[] = ["seasonal_naive", "ets", "ets_log", "mstl_ets"];
export const LONG_HISTORY_DAYS = 2 * 365 + WEEK;
export const INTERMITTENT_CANDIDATES: readonly ModelName[] = ["seasonal_naive", "croston", "tsb", "ets"];

export interface Selection {
  model: ModelName;
  /** Mean backtest MASE of the winner (NaN when no contest was held). */
  backtestMase: number;
  intermittent: boolean;
  /** Every candidate that finished the contest with its mean backtest MAE, best first. */
  ranking?: Array<{ model: ModelName; mae: number }>;
}

export interface SelectOptions {
  horizon: number;
  origins?: number;
  candidates?: readonly ModelName[];
}

export const MIN_HISTORY_DAYS = WEEK;
/** Four weekly origins: with the top-two combination, six gave the same pizza-data accuracy at 1.4x the cost (docs/benchmarks/ml.md). */
export const DEFAULT_ORIGINS = 4;

export function selectModel(values: readonly number[], options: SelectOptions): Selection {
  const intermittent = zeroShare(values) > INTERMITTENT_ZERO_SHARE;
  const candidates = options.candidates ?? defaultCandidates(values.length, intermittent);
  const origins = options.origins ?? DEFAULT_ORIGINS;
  // Each origin's training window must still hold three weeks for ETS to initialise and learn.
  if (values.length < 3 * WEEK + options.horizon + (origins - 1) * WEEK || countObserved(values) < 3 * WEEK) {
    return { model: "seasonal_naive", backtestMase: Number.NaN, intermittent };
  }
  let best: Selection | undefined;
  let bestMae = Infinity;
  const ranking: Array<{ model: ModelName; mae: number }> = [];
  for (const model of candidates) {
    let scores;
    try {
      scores = backtest(values, MODELS[model], { horizon: options.horizon, origins, step: WEEK });
    } catch {
      // A model that cannot fit this series (e.g. augurs finds no ETS) simply leaves the contest.
      continue;
    }
    const mae = mean(scores.map((s) => s.mae));
    if (Number.isFinite(mae)) ranking.push({ model, mae });
    // Strictly better only: on a tie the earlier, simpler candidate stays.
    if (mae < bestMae) {
      bestMae = mae;
      best = { model, backtestMase: mean(scores.map((s) => s.mase)), intermittent };
    }
  }
  ranking.sort((a, b) => a.mae - b.mae);
  return best ? { ...best, ranking } : { model: "seasonal_naive", backtestMase: Number.NaN, intermittent };
}

/**
 * MSTL+ETS enters the default contest only for multi-year histories: with one year it decomposes
 * the same weekly season Holt-Winters already models, at 40-60x the cost (measured in
 * docs/benchmarks/ml.md), and lost to ETS on the pizza data. Callers can still ask for it.
 */
export function defaultCandidates(length: number, intermittent: boolean): readonly ModelName[] {
  if (intermittent) return INTERMITTENT_CANDIDATES;
  return length >= LONG_HISTORY_DAYS ? LONG_CANDIDATES : REGULAR_CANDIDATES;
}

function mean(xs: readonly number[]): number {
  const finite = xs.filter((x) => Number.isFinite(x));
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
}
