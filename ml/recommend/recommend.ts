// Assembles an owner's advice from one tenant's input. `getRecommendations` is the ML path
// (forecast-based prep and anomaly alerts); `ruleBasedRecommendations` is the same advice
// without forecasting, which the cell computes itself when the ML pod is down.
import { addDays } from "../forecast/dates.js";
import { forecastSeries } from "../forecast/predict.js";
import type { DailySeries } from "../forecast/series.js";
import { anomalyRecommendations, detectAnomalies, TOTAL_SERIES, type Anomaly, type Forecaster } from "./anomalies.js";
import { comboRecommendations, countBaskets } from "./combos.js";
import { alignedSeries, recentUnits } from "./daily.js";
import { menuRecommendations } from "./menu-engineering.js";
import { PREP_LEVEL, prepFromForecast, prepFromRules, prepRecommendations, type PrepEstimate } from "./prep.js";
import { slowHourRecommendations } from "./slow-hours.js";
import { PRIORITY_ORDER, type MenuItem, type Recommendation, type RecommendationInput } from "./types.js";

/** Menu mix is judged on the last four weeks: long enough to be stable, short enough to be current. */
const MENU_WINDOW_DAYS = 28;

export interface RecommendOptions {
  forecaster?: Forecaster;
  /** Called before each item's forecasts; throw from it to stop (e.g. a passed deadline). */
  checkpoint?: (done: number, total: number) => void;
}

export function getRecommendations(input: RecommendationInput, options: RecommendOptions = {}): Recommendation[] {
  const forecaster = options.forecaster ?? forecastSeries;
  const ctx = context(input);
  const tomorrow = addDays(input.asOf, 1);
  const closedTomorrow = new Set(input.closedDates.filter((d) => d === tomorrow));
  const estimates: PrepEstimate[] = [];
  // Items with under two weeks of history get the rule estimate, labelled as such.
  const shortHistory: PrepEstimate[] = [];
  const anomalies: Anomaly[] = [];
  let done = 0;
  for (const [itemId, series] of ctx.series) {
    options.checkpoint?.(done++, ctx.series.size);
    if (series.values.length < 14) {
      const e = closedTomorrow.size === 0 ? prepFromRules(itemId, series) : undefined;
      if (e) shortHistory.push(e);
      continue;
    }
    const f = forecaster(series, { horizon: 1, level: PREP_LEVEL, closedDates: closedTomorrow });
    const e = prepFromForecast(itemId, series, f);
    if (e) estimates.push(e);
    anomalies.push(...detectAnomalies(itemId, series, forecaster));
  }
  const total = totalSeries([...ctx.series.values()]);
  if (total) anomalies.push(...detectAnomalies(TOTAL_SERIES, total, forecaster));
  return sortByPriority([
    ...anomalyRecommendations(anomalies, ctx.items),
    ...prepRecommendations(input.asOf, estimates, ctx.items, "ml"),
    ...prepRecommendations(input.asOf, shortHistory, ctx.items, "rules"),
    ...shared(input, ctx, "ml"),
  ]);
}

export function ruleBasedRecommendations(input: RecommendationInput): Recommendation[] {
  const ctx = context(input);
  const estimates: PrepEstimate[] = [];
  if (!input.closedDates.includes(addDays(input.asOf, 1))) {
    for (const [itemId, series] of ctx.series) {
      const e = prepFromRules(itemId, series);
      if (e) estimates.push(e);
    }
  }
  return sortByPriority([...prepRecommendations(input.asOf, estimates, ctx.items, "rules"), ...shared(input, ctx, "rules")]);
}

interface Context {
  items: Map<string, MenuItem>;
  series: Map<string, DailySeries>;
}

function context(input: RecommendationInput): Context {
  const closed = new Set(input.closedDates);
  const series = new Map<string, DailySeries>();
  for (const d of input.daily) series.set(d.itemId, alignedSeries(d, input.asOf, closed));
  return { items: new Map(input.items.map((i) => [i.itemId, i])), series };
}

function shared(input: RecommendationInput, ctx: Context, source: Recommendation["source"]): Recommendation[] {
  const units = recentUnits(input.daily, input.asOf, MENU_WINDOW_DAYS);
  return [
    ...menuRecommendations(input.asOf, input.items, units, source),
    ...comboRecommendations(input.asOf, input.basketCounts ?? countBaskets(input.baskets), ctx.items, source),
    ...slowHourRecommendations(input.asOf, input.hourly, input.hourlyWeeks, source),
  ];
}

/** Sum of item series on a common calendar; a day every item misses stays missing. */
function totalSeries(series: readonly DailySeries[]): DailySeries | undefined {
  if (series.length === 0) return undefined;
  const start = series.reduce((a, s) => (s.start < a ? s.start : a), series[0]!.start);
  const length = Math.max(...series.map((s) => s.values.length + daysBetween(start, s.start)));
  const values = new Array<number>(length).fill(Number.NaN);
  for (const s of series) {
    const offset = daysBetween(start, s.start);
    s.values.forEach((v, i) => {
      if (!Number.isNaN(v)) values[offset + i] = (Number.isNaN(values[offset + i]!) ? 0 : values[offset + i]!) + v;
    });
  }
  return { start, values };
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

function sortByPriority(recs: Recommendation[]): Recommendation[] {
  return recs.sort((a, b) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority]);
}
