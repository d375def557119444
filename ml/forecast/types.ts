export type ModelName = "seasonal_naive" | "ets" | "ets_log" | "mstl_ets" | "croston" | "tsb";

export interface Forecast {
  point: number[];
  lower: number[];
  upper: number[];
}

/** Every model has this shape: history in (NaN = missing day), `horizon` days out. */
export type ForecastFn = (values: readonly number[], horizon: number, level: number) => Forecast;
