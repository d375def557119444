// Learns how a restaurant's demand moved around past holidays (Tết above all) and applies that
// to the same days of a future holiday. Holiday days are masked out before fitting so one
// abnormal week does not bend the model's weekly pattern; a day the restaurant was closed in
// past years is forecast as "closed", not as zero demand.
import { addDays, toDayNumber } from "../forecast/dates.js";
import { eventDays, holidayEvents, type HolidayEvent } from "./vietnam-holidays.js";

export interface DayEffect {
  factor: number;
  closedShare: number;
  samples: number;
}

/** key -> offset from the holiday -> learned effect. */
export type HolidayEffects = Map<string, Map<number, DayEffect>>;

export function eventsBetween(firstDate: string, lastDate: string): HolidayEvent[] {
  const fromYear = Number(firstDate.slice(0, 4)) - 1;
  const toYear = Number(lastDate.slice(0, 4)) + 1;
  const first = toDayNumber(firstDate);
  const last = toDayNumber(lastDate);
  return holidayEvents(fromYear, toYear).filter((e) => toDayNumber(e.date) + e.after >= first && toDayNumber(e.date) - e.before <= last);
}

/** Copy of `values` with every holiday-window day set to NaN. */
export function maskHolidays(values: readonly number[], start: string, events: readonly HolidayEvent[]): number[] {
  const out = values.slice();
  const first = toDayNumber(start);
  for (const event of events) {
    for (const { date } of eventDays(event)) {
      const i = toDayNumber(date) - first;
      if (i >= 0 && i < out.length) out[i] = Number.NaN;
    }
  }
  return out;
}

export function learnHolidayEffects(values: readonly number[], start: string, events: readonly HolidayEvent[]): HolidayEffects {
  const first = toDayNumber(start);
  const effects: HolidayEffects = new Map();
  const sums = new Map<string, Map<number, { factor: number; factors: number; closed: number; samples: number }>>();
  for (const event of events) {
    const windowStart = toDayNumber(event.date) - event.before - first;
    const windowEnd = toDayNumber(event.date) + event.after - first;
    // Only fully observed windows with four normal weeks before them teach anything.
    if (windowStart - 28 < 0 || windowEnd >= values.length) continue;
    const byKey = sums.get(event.key) ?? new Map();
    sums.set(event.key, byKey);
    for (const { date, offset } of eventDays(event)) {
      const i = toDayNumber(date) - first;
      const baseline = sameWeekdayMean(values, windowStart, i);
      const acc = byKey.get(offset) ?? { factor: 0, factors: 0, closed: 0, samples: 0 };
      acc.samples++;
      const y = values[i]!;
      if (Number.isNaN(y)) acc.closed++;
      else if (baseline > 0) {
        acc.factor += Math.min(5, y / baseline);
        acc.factors++;
      }
      byKey.set(offset, acc);
    }
  }
  for (const [key, byOffset] of sums) {
    const out = new Map<number, DayEffect>();
    for (const [offset, acc] of byOffset) out.set(offset, { factor: acc.factors > 0 ? acc.factor / acc.factors : 1, closedShare: acc.closed / acc.samples, samples: acc.samples });
    effects.set(key, out);
  }
  return effects;
}

/**
 * Keeps only the holidays that visibly moved this series: a closure, or days that deviated from
 * the same weekday's normal by more than ordinary days do (1.5 x the series' typical deviation).
 * A restaurant that trades normally on a holiday keeps those days as training data.
 */
export function materialEffects(values: readonly number[], effects: HolidayEffects): HolidayEffects {
  if (effects.size === 0) return effects;
  const noise = typicalDeviation(values);
  const out: HolidayEffects = new Map();
  for (const [key, byOffset] of effects) {
    const list = [...byOffset.values()];
    const closed = list.some((e) => e.closedShare >= 0.5);
    const meanShift = list.reduce((a, e) => a + Math.abs(e.factor - 1), 0) / list.length;
    if (closed || meanShift > 1.5 * noise) out.set(key, byOffset);
  }
  return out;
}

/** Median |y / same-weekday mean of the previous four weeks - 1| over ordinary days. */
function typicalDeviation(values: readonly number[]): number {
  const deviations: number[] = [];
  for (let t = 28; t < values.length; t++) {
    const y = values[t]!;
    if (Number.isNaN(y)) continue;
    const base = sameWeekdayMean(values, t, t);
    if (base > 0) deviations.push(Math.abs(y / base - 1));
  }
  if (deviations.length === 0) return 0;
  deviations.sort((a, b) => a - b);
  return deviations[Math.floor(deviations.length / 2)]!;
}

/** Mean of the same weekday over the four weeks before `windowStart`. */
function sameWeekdayMean(values: readonly number[], windowStart: number, day: number): number {
  let sum = 0;
  let n = 0;
  const shift = (((day - windowStart) % 7) + 7) % 7;
  for (let k = 1; k <= 4; k++) {
    const v = values[windowStart - 7 * k + shift];
    if (v !== undefined && !Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : Number.NaN;
}

export interface HolidayAdjustment {
  date: string;
  factor: number;
  closed: boolean;
  holiday: string;
}

/** What learned effects say about each forecast day that falls inside a holiday window. */
export function adjustmentsFor(firstForecastDate: string, horizon: number, effects: HolidayEffects): Map<string, HolidayAdjustment> {
  const out = new Map<string, HolidayAdjustment>();
  if (effects.size === 0) return out;
  const last = addDays(firstForecastDate, horizon - 1);
  for (const event of eventsBetween(firstForecastDate, last)) {
    const learned = effects.get(event.key);
    if (!learned) continue;
    for (const { date, offset } of eventDays(event)) {
      if (date < firstForecastDate || date > last) continue;
      const effect = learned.get(offset);
      if (!effect) continue;
      out.set(date, { date, factor: effect.factor, closed: effect.closedShare >= 0.5, holiday: event.key });
    }
  }
  return out;
}
