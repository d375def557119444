// Anomaly alerts: forecast the last week from the history before it, and flag days whose real
// sales fell outside the 99% prediction interval by a margin an owner would care about.
import { addDays } from "../forecast/dates.js";
import type { ForecastOptions, SeriesForecast } from "../forecast/predict.js";
import type { DailySeries } from "../forecast/series.js";
import { countObserved } from "../forecast/series.js";
import { itemName, num, pct, recommendationId } from "./format.js";
import type { MenuItem, Recommendation } from "./types.js";

export const ANOMALY_WINDOW = 7;
export const ANOMALY_LEVEL = 0.99;
/** Below this relative gap a day is unusual but not worth an owner's attention. */
const MIN_RELATIVE_GAP = 0.4;
const MIN_ABSOLUTE_GAP = 3;
const MIN_HISTORY = 28;
/**
 * A run checks every item on every day of the window (30 items x 7 days = 210 checks), so even a
 * 99% interval would cry wolf about twice a run. Requiring the sale to clear the interval by a
 * quarter of its half-width keeps alerts for days that are clearly wrong.
 */
const MIN_SEVERITY = 0.25;

export interface Anomaly {
  seriesId: string;
  date: string;
  actual: number;
  expected: number;
  lower: number;
  upper: number;
  /** How far outside the interval, in interval half-widths. */
  severity: number;
}

export type Forecaster = (series: DailySeries, options: ForecastOptions) => SeriesForecast;

export function detectAnomalies(seriesId: string, series: DailySeries, forecaster: Forecaster, window = ANOMALY_WINDOW): Anomaly[] {
  const n = series.values.length;
  const history = series.values.slice(0, n - window);
  if (countObserved(history) < MIN_HISTORY) return [];
  const f = forecaster({ start: series.start, values: history }, { horizon: window, level: ANOMALY_LEVEL });
  const out: Anomaly[] = [];
  for (let h = 0; h < window; h++) {
    const actual = series.values[n - window + h]!;
    const day = f.days[h]!;
    if (Number.isNaN(actual) || day.closed) continue;
    const gap = actual > day.upper ? actual - day.upper : actual < day.lower ? day.lower - actual : 0;
    if (gap === 0) continue;
    const distance = Math.abs(actual - day.point);
    if (distance < MIN_ABSOLUTE_GAP || distance < MIN_RELATIVE_GAP * Math.max(day.point, 1)) continue;
    const halfWidth = Math.max((day.upper - day.lower) / 2, 1e-9);
    if (gap / halfWidth < MIN_SEVERITY) continue;
    out.push({ seriesId, date: addDays(series.start, n - window + h), actual, expected: day.point, lower: day.lower, upper: day.upper, severity: gap / halfWidth });
  }
  return out;
}

/** Series id used for the whole location's total. */
export const TOTAL_SERIES = "*";

export function anomalyRecommendations(anomalies: readonly Anomaly[], items: ReadonlyMap<string, MenuItem>, limit = 5): Recommendation[] {
  return [...anomalies]
    .sort((a, b) => b.severity - a.severity)
    .slice(0, limit)
    .map((a) => {
      const name = a.seriesId === TOTAL_SERIES ? { vi: "tổng doanh số", en: "total sales" } : itemName(items.get(a.seriesId), a.seriesId);
      const high = a.actual > a.expected;
      const change = (a.actual - a.expected) / Math.max(a.expected, 1);
      return {
        id: recommendationId(a.date, "anomaly_alert", a.seriesId),
        kind: "anomaly_alert" as const,
        priority: Math.abs(change) >= 0.6 || a.seriesId === TOTAL_SERIES ? ("high" as const) : ("medium" as const),
        itemIds: a.seriesId === TOTAL_SERIES ? [] : [a.seriesId],
        title: high ? { vi: `${name.vi} tăng bất thường ngày ${a.date}`, en: `Unusually high ${name.en} on ${a.date}` } : { vi: `${name.vi} giảm bất thường ngày ${a.date}`, en: `Unusually low ${name.en} on ${a.date}` },
        reason: {
          vi: `Bán ${num.vi(a.actual)} trong khi dự kiến ${num.vi(a.expected)} (thường trong khoảng ${num.vi(a.lower)}–${num.vi(a.upper)}), lệch ${pct.vi(change)}. Kiểm tra hết hàng, lỗi nhập đơn hoặc sự kiện gần quán.`,
          en: `Sold ${num.en(a.actual)} against an expected ${num.en(a.expected)} (normally ${num.en(a.lower)}–${num.en(a.upper)}), ${pct.en(change)} off. Check for a stock-out, a till error or an event nearby.`,
        },
        metrics: { actual: a.actual, expected: a.expected, lower: a.lower, upper: a.upper, severity: a.severity },
        source: "ml" as const,
      };
    });
}
