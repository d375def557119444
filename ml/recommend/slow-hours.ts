// Slow-hour promotions: within the hours a restaurant actually trades, find runs of hours whose
// orders fall far below that weekday's normal hour, and suggest a promotion there.
import { num, pct, recommendationId, weekdayName } from "./format.js";
import type { HourlySales, Recommendation } from "./types.js";

export interface SlowSlot {
  weekday: number;
  fromHour: number;
  /** Exclusive. */
  toHour: number;
  ordersPerWeek: number;
  /** Orders per hour in the slot relative to the weekday's average trading hour. */
  ratio: number;
}

/** An hour counts as slow below this share of the weekday's average trading hour. */
const SLOW_RATIO = 0.5;

export function slowSlots(hourly: readonly HourlySales[], weeks: number): SlowSlot[] {
  if (weeks <= 0) return [];
  const slots: SlowSlot[] = [];
  for (let weekday = 0; weekday < 7; weekday++) {
    const perHour = new Array<number>(24).fill(0);
    for (const h of hourly) if (h.weekday === weekday) perHour[h.hour]! += h.orders / weeks;
    const open = perHour.map((o, hour) => ({ o, hour })).filter((x) => x.o > 0);
    if (open.length < 3) continue;
    const average = open.reduce((a, x) => a + x.o, 0) / open.length;
    // Only hours between the first and last trading hour: before opening is not "slow".
    const first = open[0]!.hour;
    const last = open[open.length - 1]!.hour;
    let run: number[] = [];
    const flush = () => {
      if (run.length > 0) {
        const orders = run.reduce((a, h) => a + perHour[h]!, 0);
        slots.push({ weekday, fromHour: run[0]!, toHour: run[run.length - 1]! + 1, ordersPerWeek: orders, ratio: orders / run.length / average });
      }
      run = [];
    };
    for (let hour = first + 1; hour < last; hour++) {
      if (perHour[hour]! < SLOW_RATIO * average) run.push(hour);
      else flush();
    }
    flush();
  }
  // Longest, emptiest slots first: the most idle kitchen time to fill.
  return slots.sort((a, b) => (b.toHour - b.fromHour) * (1 - b.ratio) - (a.toHour - a.fromHour) * (1 - a.ratio));
}

export function slowHourRecommendations(asOf: string, hourly: readonly HourlySales[], weeks: number, source: Recommendation["source"], limit = 2): Recommendation[] {
  return slowSlots(hourly, weeks)
    .slice(0, limit)
    .map((s) => {
      const span = `${String(s.fromHour).padStart(2, "0")}:00–${String(s.toHour).padStart(2, "0")}:00`;
      return {
        id: recommendationId(asOf, "slow_hour_promotion", s.weekday, s.fromHour, s.toHour),
        kind: "slow_hour_promotion" as const,
        priority: s.ratio < 0.25 ? ("medium" as const) : ("low" as const),
        itemIds: [],
        title: { vi: `Khuyến mãi giờ vắng ${weekdayName.vi(s.weekday)} ${span}`, en: `Slow-hour promotion ${weekdayName.en(s.weekday)} ${span}` },
        reason: {
          vi: `${weekdayName.vi(s.weekday)} ${span} chỉ có khoảng ${num.vi(s.ordersPerWeek)} đơn mỗi tuần, bằng ${pct.vi(s.ratio)} giờ bình thường. Giảm giá đồ uống hoặc combo trong khung giờ này để tận dụng bếp.`,
          en: `${weekdayName.en(s.weekday)} ${span} brings only about ${num.en(s.ordersPerWeek)} orders a week, ${pct.en(s.ratio)} of a normal hour. A drinks or combo deal here uses idle kitchen time.`,
        },
        metrics: { weekday: s.weekday, fromHour: s.fromHour, toHour: s.toHour, ordersPerWeek: s.ordersPerWeek, ratio: s.ratio },
        source,
      };
    });
}
