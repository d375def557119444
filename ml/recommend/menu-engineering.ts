// Menu engineering (Kasavana & Smith): an item is popular when its share of units sold reaches
// 70% of an equal share, and profitable when its unit contribution margin reaches the
// sales-weighted average. Stars keep, Plowhorses reprice, Puzzles promote, Dogs drop.
import { itemName, num, pct, recommendationId } from "./format.js";
import type { MenuItem, Recommendation, RecommendationKind } from "./types.js";

export type MenuClass = "star" | "plowhorse" | "puzzle" | "dog";

export interface ItemPerformance {
  item: MenuItem;
  units: number;
  mixShare: number;
  margin: number;
  menuClass: MenuClass;
}

const POPULARITY_FACTOR = 0.7;
const PER_CLASS = 3;

export function classifyMenu(items: readonly MenuItem[], unitsSold: ReadonlyMap<string, number>): ItemPerformance[] {
  const costed = items.filter((i) => i.unitCost !== undefined);
  const totalUnits = costed.reduce((a, i) => a + (unitsSold.get(i.itemId) ?? 0), 0);
  if (costed.length === 0 || totalUnits === 0) return [];
  const totalMargin = costed.reduce((a, i) => a + (unitsSold.get(i.itemId) ?? 0) * (i.price - i.unitCost!), 0);
  const averageMargin = totalMargin / totalUnits;
  const popularShare = POPULARITY_FACTOR / costed.length;
  return costed.map((item) => {
    const units = unitsSold.get(item.itemId) ?? 0;
    const mixShare = units / totalUnits;
    const margin = item.price - item.unitCost!;
    const popular = mixShare >= popularShare;
    const profitable = margin >= averageMargin;
    const menuClass: MenuClass = popular ? (profitable ? "star" : "plowhorse") : profitable ? "puzzle" : "dog";
    return { item, units, mixShare, margin, menuClass };
  });
}

export function menuRecommendations(asOf: string, items: readonly MenuItem[], unitsSold: ReadonlyMap<string, number>, source: Recommendation["source"]): Recommendation[] {
  const out: Recommendation[] = [];
  const performance = classifyMenu(items, unitsSold);
  const pick = (cls: MenuClass, by: (p: ItemPerformance) => number) =>
    performance
      .filter((p) => p.menuClass === cls)
      .sort((a, b) => by(b) - by(a))
      .slice(0, PER_CLASS);
  // Dogs: least revenue first; Puzzles: best margin first; Plowhorses and Stars: most sold first.
  for (const p of pick("dog", (x) => -x.units * x.item.price)) out.push(menuAdvice(asOf, p, "menu_dog", "medium", source));
  for (const p of pick("puzzle", (x) => x.margin)) out.push(menuAdvice(asOf, p, "menu_puzzle", "medium", source));
  for (const p of pick("plowhorse", (x) => x.units)) out.push(menuAdvice(asOf, p, "menu_plowhorse", "low", source));
  for (const p of pick("star", (x) => x.units)) out.push(menuAdvice(asOf, p, "menu_star", "low", source));

  const missing = items.filter((i) => i.unitCost === undefined);
  if (missing.length > 0) {
    out.push({
      id: recommendationId(asOf, "menu_missing_costs", missing.length),
      kind: "menu_missing_costs",
      priority: "low",
      itemIds: missing.map((i) => i.itemId),
      title: { vi: "Nhập giá vốn để nhận tư vấn thực đơn", en: "Enter food costs to get menu advice" },
      reason: {
        vi: `${missing.length} món chưa có giá vốn, nên chưa thể biết món nào lãi nhiều hay ít.`,
        en: `${missing.length} dishes have no food cost yet, so their margin cannot be judged.`,
      },
      metrics: { items: missing.length },
      source,
    });
  }
  return out;
}

function menuAdvice(asOf: string, p: ItemPerformance, kind: RecommendationKind, priority: Recommendation["priority"], source: Recommendation["source"]): Recommendation {
  const name = itemName(p.item, p.item.itemId);
  const share = { vi: pct.vi(p.mixShare), en: pct.en(p.mixShare) };
  const margin = { vi: num.vi(p.margin), en: num.en(p.margin) };
  const texts: Record<string, { title: { vi: string; en: string }; reason: { vi: string; en: string } }> = {
    menu_star: {
      title: { vi: `Giữ và làm nổi bật ${name.vi}`, en: `Keep and feature ${name.en}` },
      reason: {
        vi: `Bán chạy (${share.vi} số món bán ra) và lãi cao (${margin.vi}/phần). Đặt ở vị trí dễ thấy trên thực đơn.`,
        en: `Sells well (${share.en} of units) with a high margin (${margin.en} per unit). Give it the best spot on the menu.`,
      },
    },
    menu_plowhorse: {
      title: { vi: `Tăng nhẹ giá hoặc giảm giá vốn ${name.vi}`, en: `Nudge the price or cost of ${name.en}` },
      reason: {
        vi: `Khách gọi nhiều (${share.vi}) nhưng lãi thấp (${margin.vi}/phần). Tăng giá 3–5% hoặc giảm định lượng nguyên liệu đắt.`,
        en: `Popular (${share.en} of units) but a low margin (${margin.en} per unit). Raise the price 3–5% or trim costly ingredients.`,
      },
    },
    menu_puzzle: {
      title: { vi: `Quảng bá ${name.vi}`, en: `Promote ${name.en}` },
      reason: {
        vi: `Lãi cao (${margin.vi}/phần) nhưng ít người gọi (${share.vi}). Gợi ý nhân viên giới thiệu, thêm ảnh hoặc đổi tên hấp dẫn hơn.`,
        en: `High margin (${margin.en} per unit) but rarely ordered (${share.en}). Have staff suggest it, add a photo or a better name.`,
      },
    },
    menu_dog: {
      title: { vi: `Cân nhắc bỏ ${name.vi} khỏi thực đơn`, en: `Consider dropping ${name.en}` },
      reason: {
        vi: `Ít người gọi (${share.vi}) và lãi thấp (${margin.vi}/phần). Bỏ món giúp bếp gọn và giảm hàng tồn.`,
        en: `Rarely ordered (${share.en}) and a low margin (${margin.en} per unit). Dropping it simplifies the kitchen and stock.`,
      },
    },
  };
  const t = texts[kind]!;
  return {
    id: recommendationId(asOf, kind, p.item.itemId),
    kind,
    priority,
    itemIds: [p.item.itemId],
    title: t.title,
    reason: t.reason,
    metrics: { units: p.units, mixShare: p.mixShare, margin: p.margin },
    source,
  };
}
