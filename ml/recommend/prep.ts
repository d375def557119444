// Prep quantities for tomorrow. The ML path preps to the forecast's 80th percentile (enough on
// four days in five without over-prepping); the rule path, used when the ML pod is unreachable,
// takes the same weekday's average over the last four weeks plus 10%.
import { addDays, weekday } from "../forecast/dates.js";
import type { SeriesForecast } from "../forecast/predict.js";
import type { DailySeries } from "../forecast/series.js";
import { itemName, num, recommendationId, weekdayName } from "./format.js";
import type { MenuItem, Recommendation } from "./types.js";

/** Central level whose upper bound is the 80th percentile. */
export const PREP_LEVEL = 0.6;
const RULE_MARGIN = 1.1;

export interface PrepEstimate {
  itemId: string;
  expected: number;
  low: number;
  high: number;
  prep: number;
  lastWeek: number;
}

export function prepFromForecast(itemId: string, series: DailySeries, forecast: SeriesForecast): PrepEstimate | undefined {
  const day = forecast.days[0];
  if (!day || day.closed) return undefined;
  return { itemId, expected: day.point, low: day.lower, high: day.upper, prep: Math.ceil(day.upper), lastWeek: sameWeekdayLastWeek(series) };
}

export function prepFromRules(itemId: string, series: DailySeries): PrepEstimate | undefined {
  const n = series.values.length;
  const same: number[] = [];
  for (let k = 1; k <= 4; k++) {
    const v = series.values[n - 7 * k];
    if (v !== undefined && !Number.isNaN(v)) same.push(v);
  }
  if (same.length === 0) return undefined;
  const expected = same.reduce((a, b) => a + b, 0) / same.length;
  return { itemId, expected, low: Math.min(...same), high: Math.max(...same), prep: Math.ceil(expected * RULE_MARGIN), lastWeek: sameWeekdayLastWeek(series) };
}

function sameWeekdayLastWeek(series: DailySeries): number {
  // Tomorrow is index n; the same weekday last week is n - 7.
  const v = series.values[series.values.length - 7];
  return v === undefined ? Number.NaN : v;
}

export function prepRecommendations(asOf: string, estimates: readonly PrepEstimate[], items: ReadonlyMap<string, MenuItem>, source: Recommendation["source"], limit = 10): Recommendation[] {
  const tomorrow = addDays(asOf, 1);
  const day = weekday(tomorrow);
  return [...estimates]
    .filter((e) => e.prep > 0)
    .sort((a, b) => b.expected - a.expected)
    .slice(0, limit)
    .map((e) => {
      const name = itemName(items.get(e.itemId), e.itemId);
      // A big change from last week is what the kitchen would otherwise get wrong.
      const change = e.lastWeek > 0 ? (e.expected - e.lastWeek) / e.lastWeek : 0;
      const priority = Math.abs(change) >= 0.25 ? "high" : "medium";
      const basis =
        source === "ml"
          ? { vi: `dự báo ${num.vi(e.expected)} phần (khoảng ${num.vi(e.low)}–${num.vi(e.high)})`, en: `forecast ${num.en(e.expected)} (likely ${num.en(e.low)}–${num.en(e.high)})` }
          : { vi: `trung bình ${num.vi(e.expected)} phần các ${weekdayName.vi(day)} gần đây`, en: `recent ${weekdayName.en(day)}s averaged ${num.en(e.expected)}` };
      return {
        id: recommendationId(tomorrow, "prep_quantity", e.itemId),
        kind: "prep_quantity" as const,
        priority,
        itemIds: [e.itemId],
        title: { vi: `Chuẩn bị ${e.prep} phần ${name.vi} cho ${weekdayName.vi(day)} ${tomorrow}`, en: `Prep ${e.prep} × ${name.en} for ${weekdayName.en(day)} ${tomorrow}` },
        reason: {
          vi: `${weekdayName.vi(day)}: ${basis.vi}; tuần trước bán ${Number.isNaN(e.lastWeek) ? "?" : num.vi(e.lastWeek)}. Chuẩn bị ${e.prep} phần là đủ cho khoảng 4 trên 5 ngày như vậy.`,
          en: `${weekdayName.en(day)}: ${basis.en}; last week sold ${Number.isNaN(e.lastWeek) ? "?" : num.en(e.lastWeek)}. ${e.prep} covers about four such days in five.`,
        },
        metrics: { expected: e.expected, low: e.low, high: e.high, prep: e.prep, lastWeek: Number.isNaN(e.lastWeek) ? -1 : e.lastWeek },
        source,
      };
    });
}
