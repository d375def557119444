// Price elasticity from an item's own price history: a log-log regression of units on price
// after removing the weekday pattern, so a price change that happened to start on a weekend is
// not mistaken for customers liking the new price. Without real price variation it says so.
import { linearRegression } from "simple-statistics";
import { weekday } from "../forecast/dates.js";
import { num, pct } from "../recommend/format.js";
import type { Text } from "../recommend/types.js";

export interface PricePoint {
  date: string;
  /** Average price charged that day. */
  price: number;
  quantity: number;
}

export interface PriceHistory {
  itemId: string;
  unitCost?: number;
  points: PricePoint[];
}

export type PricingStatus = "ok" | "not_enough_data" | "inconclusive";

export interface PricingResult {
  itemId: string;
  status: PricingStatus;
  elasticity?: number;
  standardError?: number;
  observations: number;
  priceLevels: number;
  currentPrice?: number;
  suggestedPrice?: number;
  advice: Text;
}

const MIN_DAYS = 28;
const MIN_DAYS_PER_LEVEL = 7;
const MIN_PRICE_SPREAD = 0.03;
const MAX_STEP = 0.1;

export function analyzePricing(history: PriceHistory): PricingResult {
  const sold = history.points.filter((p) => p.quantity > 0 && p.price > 0);
  const levels = priceLevels(sold);
  const usable = [...levels.values()].filter((n) => n >= MIN_DAYS_PER_LEVEL).length;
  const prices = sold.map((p) => p.price);
  const spread = prices.length > 0 ? (Math.max(...prices) - Math.min(...prices)) / Math.min(...prices) : 0;
  const current = latestPrice(history.points);
  const base = { itemId: history.itemId, observations: sold.length, priceLevels: levels.size, ...(current !== undefined ? { currentPrice: current } : {}) };
  if (sold.length < MIN_DAYS || usable < 2 || spread < MIN_PRICE_SPREAD) {
    return {
      ...base,
      status: "not_enough_data",
      advice: {
        vi: `Chưa đủ dữ liệu giá: cần ít nhất ${MIN_DAYS} ngày có bán và 2 mức giá khác nhau (chênh ≥ 3%), mỗi mức ít nhất ${MIN_DAYS_PER_LEVEL} ngày. Hiện có ${sold.length} ngày, ${usable} mức giá đủ dài.`,
        en: `Not enough price history: needs ${MIN_DAYS}+ selling days at 2+ prices at least 3% apart, ${MIN_DAYS_PER_LEVEL}+ days each. Have ${sold.length} days and ${usable} usable price levels.`,
      },
    };
  }

  const adjusted = removeWeekdayPattern(sold);
  const xs = adjusted.map((p) => Math.log(p.price));
  const ys = adjusted.map((p) => Math.log(p.quantity));
  const { m: elasticity, b } = linearRegression(xs.map((x, i) => [x, ys[i]!]));
  const standardError = slopeStandardError(xs, ys, elasticity, b);
  if (!(Math.abs(elasticity) > 2 * standardError)) {
    return {
      ...base,
      status: "inconclusive",
      elasticity,
      standardError,
      advice: {
        vi: `Các lần đổi giá trước chưa làm lượng bán thay đổi rõ (độ co giãn ${num.vi(elasticity)} ± ${num.vi(2 * standardError)}). Có thể thử tăng giá nhẹ và theo dõi.`,
        en: `Past price changes did not clearly move sales (elasticity ${num.en(elasticity)} ± ${num.en(2 * standardError)}). A small test increase is low-risk; watch the numbers.`,
      },
    };
  }
  const suggestedPrice = current === undefined ? undefined : suggest(current, elasticity, history.unitCost);
  const change = current !== undefined && suggestedPrice !== undefined ? suggestedPrice / current - 1 : 0;
  const elastic = elasticity < -1;
  return {
    ...base,
    status: "ok",
    elasticity,
    standardError,
    ...(suggestedPrice !== undefined ? { suggestedPrice } : {}),
    advice: elastic
      ? {
          vi: `Khách nhạy cảm với giá: tăng giá 1% làm lượng bán giảm khoảng ${num.vi(-elasticity)}%. ${change < 0 ? `Giảm giá ${pct.vi(-change)} có thể tăng lợi nhuận.` : "Giữ giá hiện tại."}`,
          en: `Customers are price-sensitive: +1% price loses about ${num.en(-elasticity)}% of units. ${change < 0 ? `A ${pct.en(-change)} cut may raise profit.` : "Hold the current price."}`,
        }
      : {
          vi: `Khách ít nhạy cảm với giá: tăng giá 1% chỉ làm lượng bán giảm khoảng ${num.vi(Math.max(0, -elasticity))}%. Tăng giá ${pct.vi(change)} sẽ tăng doanh thu.`,
          en: `Customers are not very price-sensitive: +1% price loses only about ${num.en(Math.max(0, -elasticity))}% of units. Raising it ${pct.en(change)} should lift revenue.`,
        },
  };
}

/**
 * Inelastic demand: raise by the largest allowed step. Elastic with a known cost: move toward the
 * profit-maximising price c*e/(1+e); without a cost, hold. Steps are capped at 10% because the
 * estimate only holds near prices already tried.
 */
function suggest(current: number, elasticity: number, unitCost: number | undefined): number {
  if (elasticity > -1) return round(current * (1 + MAX_STEP));
  if (unitCost === undefined) return current;
  const optimal = (unitCost * elasticity) / (1 + elasticity);
  const step = Math.max(-MAX_STEP, Math.min(MAX_STEP, optimal / current - 1));
  return round(current * (1 + step));
}

function round(price: number): number {
  return Math.round(price * 100) / 100;
}

function priceLevels(points: readonly PricePoint[]): Map<number, number> {
  // Prices within 1% of each other are one level (rounding, card surcharges).
  const levels = new Map<number, number>();
  for (const p of points) {
    const key = Math.round(Math.log(p.price) / Math.log(1.01));
    levels.set(key, (levels.get(key) ?? 0) + 1);
  }
  return levels;
}

function latestPrice(points: readonly PricePoint[]): number | undefined {
  let best: PricePoint | undefined;
  for (const p of points) if (p.price > 0 && (!best || p.date > best.date)) best = p;
  return best?.price;
}

function removeWeekdayPattern(points: readonly PricePoint[]): PricePoint[] {
  const sums = new Array<number>(7).fill(0);
  const counts = new Array<number>(7).fill(0);
  for (const p of points) {
    const d = weekday(p.date);
    sums[d]! += p.quantity;
    counts[d]!++;
  }
  const overall = points.reduce((a, p) => a + p.quantity, 0) / points.length;
  return points.map((p) => {
    const d = weekday(p.date);
    const factor = counts[d]! > 0 ? sums[d]! / counts[d]! / overall : 1;
    return { ...p, quantity: p.quantity / (factor > 0 ? factor : 1) };
  });
}

function slopeStandardError(xs: readonly number[], ys: readonly number[], m: number, b: number): number {
  const n = xs.length;
  const meanX = xs.reduce((a, x) => a + x, 0) / n;
  let sse = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const r = ys[i]! - (m * xs[i]! + b);
    sse += r * r;
    sxx += (xs[i]! - meanX) ** 2;
  }
  return Math.sqrt(sse / Math.max(1, n - 2) / sxx);
}
