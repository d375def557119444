// Demand forecast for one daily series: mask holidays, choose a model by backtest, forecast,
// then put learned holiday effects (Tết shopping, closures) back onto the forecast days.
import { adjustmentsFor, eventsBetween, learnHolidayEffects, maskHolidays, materialEffects } from "../calendar/holiday-effects.js";
import { addDays } from "./dates.js";
import { MODELS, selectModel, type Selection } from "./select.js";
import { endDate, type DailySeries } from "./series.js";
import type { Forecast, ModelName } from "./types.js";

export const MAX_HORIZON = 28;

export interface ForecastOptions {
  horizon: number;
  /** Central prediction-interval level, e.g. 0.9. */
  level?: number;
  /** Future days the owner has declared closed. */
  closedDates?: ReadonlySet<string>;
  /** Learn and apply Vietnamese holiday effects (default true). */
  holidays?: boolean;
  candidates?: readonly ModelName[];
  /** Backtest origins used to choose the model (default 4). */
  origins?: number;
  /** Skip the contest and use this model (e.g. the choice from last night's run). */
  model?: ModelName;
  /** Average the contest's two best models (default true); false uses the winner alone. */
  combine?: boolean;
}

export interface ForecastDay {
  date: string;
  point: number;
  lower: number;
  upper: number;
  closed: boolean;
  holiday?: string;
}

export interface SeriesForecast extends Selection {
  /** The runner-up averaged with `model`, when the forecast is a combination. */
  combinedWith?: ModelName;
  days: ForecastDay[];
}

export function forecastSeries(series: DailySeries, options: ForecastOptions): SeriesForecast {
  const { horizon } = options;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON) throw new RangeError(`horizon must be an integer from 1 to ${MAX_HORIZON}, got ${horizon}`);
  const level = options.level ?? 0.9;
  const last = endDate(series);
  const useHolidays = options.holidays ?? true;
  const events = useHolidays ? eventsBetween(series.start, last) : [];
  const effects = useHolidays ? materialEffects(series.values, learnHolidayEffects(series.values, series.start, events)) : new Map();
  const values = effects.size > 0 ? maskHolidays(series.values, series.start, events.filter((e) => effects.has(e.key))) : series.values;

  let selection: Selection = options.model
    ? { model: options.model, backtestMase: Number.NaN, intermittent: false }
    : selectModel(values, { horizon, ...(options.candidates ? { candidates: options.candidates } : {}), ...(options.origins ? { origins: options.origins } : {}) });
  let f: Forecast;
  let combinedWith: ModelName | undefined;
  try {
    f = MODELS[selection.model](values, horizon, level);
    const runnerUp = options.combine === false ? undefined : selection.ranking?.find((r) => r.model !== selection.model);
    if (runnerUp) {
      f = average(f, MODELS[runnerUp.model](values, horizon, level));
      combinedWith = runnerUp.model;
    }
  } catch {
    // A model that won the backtest can still fail on the full history; the floor never does.
    selection = { ...selection, model: "seasonal_naive", backtestMase: Number.NaN };
    f = MODELS.seasonal_naive(values, horizon, level);
    combinedWith = undefined;
  }

  const first = addDays(last, 1);
  const adjustments = adjustmentsFor(first, horizon, effects);
  const days: ForecastDay[] = [];
  for (let h = 0; h < horizon; h++) {
    const date = addDays(first, h);
    const adj = adjustments.get(date);
    const closed = (options.closedDates?.has(date) ?? false) || (adj?.closed ?? false);
    const factor = closed ? 0 : (adj?.factor ?? 1);
    days.push({ date, point: f.point[h]! * factor, lower: f.lower[h]! * factor, upper: f.upper[h]! * factor, closed, ...(adj ? { holiday: adj.holiday } : {}) });
  }
  const { ranking: _ranking, ...chosen } = selection;
  return { ...chosen, ...(combinedWith ? { combinedWith } : {}), days };
}

/**
 * Equal-weight combination of the two best backtest models: it hedges against picking the wrong
 * winner from a few noisy origins (on the pizza data it has matched or beaten the winner alone in
 * MASE or sMAPE at both levels; docs/benchmarks/ml.md). Bounds are averaged too, a close approximation
 * when both models err in the same direction, as they mostly do.
 */
function average(a: Forecast, b: Forecast): Forecast {
  const mid = (x: number[], y: number[]) => x.map((v, i) => (v + y[i]!) / 2);
  return { point: mid(a.point, b.point), lower: mid(a.lower, b.lower), upper: mid(a.upper, b.upper) };
}
