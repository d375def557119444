// Rolling-origin evaluation: cut the history at several origins, forecast `horizon` days from
// each, and score against what really happened. Used both to choose a model per series and by
// the benchmark.
import { mase, meanAbsoluteError, smape } from "./metrics.js";
import type { Forecast } from "./types.js";

export interface BacktestOptions {
  horizon: number;
  origins: number;
  /** Days between consecutive origins. */
  step: number;
  level?: number;
}

export interface OriginScore {
  origin: number;
  mae: number;
  mase: number;
  smape: number;
}

/** Origins are indices into `values` where the test window starts, oldest first. */
export function originIndices(length: number, options: BacktestOptions): number[] {
  const out: number[] = [];
  for (let k = options.origins - 1; k >= 0; k--) {
    const origin = length - options.horizon - k * options.step;
    if (origin > 0) out.push(origin);
  }
  return out;
}

export function backtest(values: readonly number[], forecaster: (train: readonly number[], horizon: number, level: number) => Forecast, options: BacktestOptions): OriginScore[] {
  const scores: OriginScore[] = [];
  for (const origin of originIndices(values.length, options)) {
    const train = values.slice(0, origin);
    const actual = values.slice(origin, origin + options.horizon);
    const f = forecaster(train, options.horizon, options.level ?? 0.9);
    scores.push({ origin, mae: meanAbsoluteError(actual, f.point), mase: mase(actual, f.point, train), smape: smape(actual, f.point) });
  }
  return scores;
}
