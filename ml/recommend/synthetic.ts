// A synthetic restaurant with known structure (weekly pattern, a lunch/dinner day shape, a
// planted combo, optional planted anomaly) for tests, the benchmark and the cell's client tests.
import { addDays } from "../forecast/dates.js";
import { gaussian, seededRandom } from "../forecast/testing.js";
import type { HourlySales, ItemDailySales, MenuItem, RecommendationInput } from "./types.js";

export interface SyntheticOptions {
  tenantId?: string;
  asOf?: string;
  days?: number;
  items?: number;
  seed?: number;
  /** Overwrite one item's sales on one day (e.g. a stock-out: quantity 0). */
  anomaly?: { itemId: string; date: string; quantity: number };
  baskets?: number;
}

const WEEKLY = [1.3, 0.8, 0.8, 0.9, 1.0, 1.3, 1.5];
const DISHES: Array<[string, string, string, number, number]> = [
  ["pho-bo", "Beef pho", "Phở bò", 55_000, 22_000],
  ["bun-cha", "Grilled pork noodles", "Bún chả", 50_000, 20_000],
  ["com-tam", "Broken rice", "Cơm tấm", 45_000, 20_000],
  ["banh-mi", "Banh mi", "Bánh mì", 25_000, 9_000],
  ["goi-cuon", "Fresh spring rolls", "Gỏi cuốn", 35_000, 10_000],
  ["tra-da", "Iced tea", "Trà đá", 5_000, 1_000],
  ["ca-phe-sua", "Iced milk coffee", "Cà phê sữa đá", 25_000, 6_000],
  ["che", "Sweet soup", "Chè", 20_000, 8_000],
  ["bo-luc-lac", "Shaking beef", "Bò lúc lắc", 120_000, 70_000],
  ["lau", "Hotpot", "Lẩu", 250_000, 150_000],
];

/** The true mean and noise of the k-th dish on a date: what a perfect model would know. */
export function syntheticTruth(k: number, date: string): { mean: number; sd: number } {
  const level = 5 + ((k * 37) % 11) * 4;
  return { mean: level * WEEKLY[new Date(`${date}T00:00:00Z`).getUTCDay()]!, sd: Math.sqrt(level) * 0.6 };
}

export function syntheticRecommendationInput(options: SyntheticOptions = {}): RecommendationInput {
  const asOf = options.asOf ?? "2025-06-30";
  const days = options.days ?? 84;
  const random = seededRandom(options.seed ?? 1);
  const noise = gaussian(random);
  const start = addDays(asOf, -(days - 1));
  const count = options.items ?? DISHES.length;
  const items: MenuItem[] = [];
  const daily: ItemDailySales[] = [];
  for (let k = 0; k < count; k++) {
    const [id, name, nameVi, price, cost] = DISHES[k % DISHES.length]!;
    const itemId = k < DISHES.length ? id : `${id}-${Math.floor(k / DISHES.length)}`;
    items.push({ itemId, name, nameVi, price, unitCost: cost });
    const quantities = Array.from({ length: days }, (_, i) => Math.max(0, Math.round(syntheticTruth(k, addDays(start, i)).mean + syntheticTruth(k, start).sd * noise())));
    if (options.anomaly?.itemId === itemId) {
      const i = Math.round((Date.parse(options.anomaly.date) - Date.parse(start)) / 86_400_000);
      quantities[i] = options.anomaly.quantity;
    }
    daily.push({ itemId, start, quantities });
  }
  const hourly: HourlySales[] = [];
  // Lunch 11-13 and dinner 18-20 peaks; 14-17 quiet on weekdays.
  const shape = [0, 0, 0, 0, 0, 0, 2, 4, 4, 3, 5, 14, 16, 10, 2, 1, 2, 6, 15, 16, 12, 6, 2, 0];
  for (let weekday = 0; weekday < 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      const orders = Math.round(shape[hour]! * WEEKLY[weekday]! * 4);
      if (orders > 0) hourly.push({ weekday, hour, orders, revenue: orders * 60_000 });
    }
  }
  const baskets: string[][] = [];
  const ids = items.map((i) => i.itemId);
  for (let b = 0; b < (options.baskets ?? 1_500); b++) {
    const main = ids[Math.floor(random() * Math.min(ids.length, 5))]!;
    const basket = [main];
    // Planted combo: banh mi orders come with iced milk coffee 60% of the time.
    if (main === "banh-mi" && random() < 0.6) basket.push("ca-phe-sua");
    else if (random() < 0.2) basket.push(ids[Math.floor(random() * ids.length)]!);
    baskets.push(basket);
  }
  return { tenantId: options.tenantId ?? "tenant-a", locationId: "loc-1", asOf, items, daily, hourly, hourlyWeeks: 4, baskets, closedDates: [] };
}
