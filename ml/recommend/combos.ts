// Combo suggestions from association rules over order baskets. Owners act on pairs ("add B to
// A for a small discount"), so rules are counted directly over item pairs in one pass, O(sum of
// k^2) per basket, instead of mining longer itemsets nobody turns into a combo. The cell may send
// the counts instead of the baskets; the rules are the same.
import { itemName, num, pct, recommendationId } from "./format.js";
import type { BasketCounts, MenuItem, Recommendation } from "./types.js";

export interface PairRule {
  antecedent: string;
  consequent: string;
  /** Share of all orders containing both. */
  support: number;
  /** Share of orders with the antecedent that also have the consequent. */
  confidence: number;
  /** Confidence over the consequent's base rate; >1 means bought together more than by chance. */
  lift: number;
  together: number;
}

export interface RuleThresholds {
  minSupport: number;
  minConfidence: number;
  minLift: number;
  /** Ignore pairs seen in fewer orders than this, however high their lift. */
  minOrders: number;
}

/** Pairs seen in fewer orders never make a combo; the cell may leave them out of `basket_counts`. */
export const MIN_PAIR_ORDERS = 10;

export const DEFAULT_THRESHOLDS: RuleThresholds = { minSupport: 0.005, minConfidence: 0.1, minLift: 1.2, minOrders: MIN_PAIR_ORDERS };

/**
 * Counts orders per item and per item pair in one pass. Items become dense indices and pairs a
 * typed n x n matrix: string-keyed maps made this the slowest step of a recommendation call.
 */
export function countBaskets(baskets: readonly (readonly string[])[]): BasketCounts {
  const index = new Map<string, number>();
  const ids: string[] = [];
  const encoded: number[][] = [];
  for (const basket of baskets) {
    const row: number[] = [];
    for (const id of basket) {
      let i = index.get(id);
      if (i === undefined) {
        i = ids.length;
        index.set(id, i);
        ids.push(id);
      }
      if (!row.includes(i)) row.push(i);
    }
    if (row.length > 0) encoded.push(row);
  }
  const n = ids.length;
  const single = new Uint32Array(n);
  const pairs = new Uint32Array(n * n);
  for (const row of encoded) {
    for (let a = 0; a < row.length; a++) {
      const i = row[a]!;
      single[i]!++;
      for (let b = a + 1; b < row.length; b++) {
        const j = row[b]!;
        pairs[i < j ? i * n + j : j * n + i]!++;
      }
    }
  }
  const out: BasketCounts = { orders: encoded.length, items: ids.map((itemId, i) => ({ itemId, orders: single[i]! })), pairs: [] };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const together = pairs[i * n + j]!;
      if (together > 0) out.pairs.push({ a: ids[i]!, b: ids[j]!, orders: together });
    }
  }
  return out;
}

export function pairRules(counts: BasketCounts, thresholds: RuleThresholds = DEFAULT_THRESHOLDS): PairRule[] {
  const single = new Map(counts.items.map((i) => [i.itemId, i.orders]));
  const orders = counts.orders;
  const rules: PairRule[] = [];
  for (const { a, b, orders: together } of counts.pairs) {
    if (together < thresholds.minOrders || orders === 0) continue;
    const support = together / orders;
    if (support < thresholds.minSupport) continue;
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const withX = single.get(x) ?? 0;
      const withY = single.get(y) ?? 0;
      if (withX === 0 || withY === 0) continue;
      const confidence = together / withX;
      const lift = confidence / (withY / orders);
      if (confidence >= thresholds.minConfidence && lift >= thresholds.minLift) rules.push({ antecedent: x, consequent: y, support, confidence, lift, together });
    }
  }
  return rules.sort((p, q) => q.lift * q.support - p.lift * p.support);
}

export function comboRecommendations(asOf: string, counts: BasketCounts, items: ReadonlyMap<string, MenuItem>, source: Recommendation["source"], limit = 3): Recommendation[] {
  const out: Recommendation[] = [];
  const seen = new Set<string>();
  for (const rule of pairRules(counts)) {
    const pairKey = [rule.antecedent, rule.consequent].sort().join("+");
    if (seen.has(pairKey)) continue;
    seen.add(pairKey);
    const a = itemName(items.get(rule.antecedent), rule.antecedent);
    const b = itemName(items.get(rule.consequent), rule.consequent);
    out.push({
      id: recommendationId(asOf, "combo", pairKey),
      kind: "combo",
      priority: rule.lift >= 2 ? "medium" : "low",
      itemIds: [rule.antecedent, rule.consequent],
      title: { vi: `Tạo combo ${a.vi} + ${b.vi}`, en: `Offer a ${a.en} + ${b.en} combo` },
      reason: {
        vi: `${pct.vi(rule.confidence)} đơn có ${a.vi} cũng gọi ${b.vi} — gấp ${num.vi(rule.lift)} lần bình thường (${rule.together} đơn).`,
        en: `${pct.en(rule.confidence)} of orders with ${a.en} also include ${b.en} — ${num.en(rule.lift)}× more often than chance (${rule.together} orders).`,
      },
      metrics: { support: rule.support, confidence: rule.confidence, lift: rule.lift, orders: rule.together },
      source,
    });
    if (out.length >= limit) break;
  }
  return out;
}
