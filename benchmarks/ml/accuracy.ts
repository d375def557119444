// Rolling-origin backtest on the pizza data: the ML pod's per-series model choice against the
// weekly seasonal naive and Prophet, at item and restaurant level, on identical cuts.
import { forecastSeries, mase, MODELS, originIndices, smape, toDayNumber, type DailySeries, type Forecast } from "../../ml/index.js";
import { prophetForecast } from "./prophet-peer.js";

export interface Contender {
  name: string;
  forecast: (series: DailySeries, horizon: number) => Forecast;
}

export const CONTENDERS: Contender[] = [
  {
    name: "ml-pod (auto)",
    forecast: (s, h) => {
      const f = forecastSeries(s, { horizon: h });
      return { point: f.days.map((d) => d.point), lower: f.days.map((d) => d.lower), upper: f.days.map((d) => d.upper) };
    },
  },
  { name: "seasonal naive", forecast: (s, h) => MODELS.seasonal_naive(s.values, h, 0.9) },
  { name: "prophet", forecast: (s, h) => prophetForecast(toDayNumber(s.start), s.values, h, 0.9) },
];

/** Single models, for the record: what the contest and the combination add. */
export const REFERENCE: Contender[] = [
  {
    name: "ml-pod winner only",
    forecast: (s, h) => {
      const f = forecastSeries(s, { horizon: h, combine: false });
      return { point: f.days.map((d) => d.point), lower: f.days.map((d) => d.lower), upper: f.days.map((d) => d.upper) };
    },
  },
  { name: "ets alone", forecast: (s, h) => MODELS.ets(s.values, h, 0.9) },
  { name: "ets_log alone", forecast: (s, h) => MODELS.ets_log(s.values, h, 0.9) },
  { name: "mstl_ets alone", forecast: (s, h) => MODELS.mstl_ets(s.values, h, 0.9) },
  { name: "tsb alone", forecast: (s, h) => MODELS.tsb(s.values, h, 0.9) },
];

export interface AccuracyRow {
  contender: string;
  level: string;
  series: number;
  cuts: number;
  mase: number;
  smape: number;
  /** Share of actual days inside the 90% interval; NaN for a contender without intervals. */
  coverage: number;
  seconds: number;
}

export function rollingOrigin(level: string, series: readonly DailySeries[], contenders: readonly Contender[], options: { horizon: number; origins: number; step: number }): AccuracyRow[] {
  const rows: AccuracyRow[] = [];
  for (const c of contenders) {
    const t0 = performance.now();
    let maseSum = 0;
    let smapeSum = 0;
    let cuts = 0;
    let inside = 0;
    let observed = 0;
    let hasIntervals = false;
    for (const s of series) {
      for (const origin of originIndices(s.values.length, options)) {
        const train = s.values.slice(0, origin);
        const actual = s.values.slice(origin, origin + options.horizon);
        const f = c.forecast({ start: s.start, values: train }, options.horizon);
        const m = mase(actual, f.point, train);
        const p = smape(actual, f.point);
        if (!Number.isFinite(m) || !Number.isFinite(p)) continue;
        maseSum += m;
        smapeSum += p;
        cuts++;
        actual.forEach((a, i) => {
          if (Number.isNaN(a)) return;
          if (f.upper[i]! > f.lower[i]!) hasIntervals = true;
          observed++;
          if (a >= f.lower[i]! && a <= f.upper[i]!) inside++;
        });
      }
    }
    rows.push({ contender: c.name, level, series: series.length, cuts, mase: maseSum / cuts, smape: smapeSum / cuts, coverage: hasIntervals ? inside / observed : Number.NaN, seconds: (performance.now() - t0) / 1000 });
  }
  return rows;
}
