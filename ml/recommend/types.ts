// What the cell sends to get recommendations (everything the pod needs, nothing cross-tenant)
// and what comes back: each recommendation carries its reason in Vietnamese and English.

export interface MenuItem {
  itemId: string;
  name: string;
  /** Vietnamese display name; `name` is used when absent. */
  nameVi?: string;
  price: number;
  /** Food cost per unit; absent when the owner has not entered it (no margin advice then). */
  unitCost?: number;
}

export interface ItemDailySales {
  itemId: string;
  /** First day of `quantities`. */
  start: string;
  /** Units sold per day from `start`; NaN/null for a day the restaurant was closed. */
  quantities: number[];
}

export interface HourlySales {
  /** 0 = Sunday ... 6 = Saturday. */
  weekday: number;
  hour: number;
  orders: number;
  revenue: number;
}

export interface RecommendationInput {
  tenantId: string;
  locationId: string;
  /** Last complete sales day; advice is for the days after it. */
  asOf: string;
  items: MenuItem[];
  daily: ItemDailySales[];
  /** Orders summed per weekday and hour over `hourlyWeeks` weeks. */
  hourly: HourlySales[];
  hourlyWeeks: number;
  /** One entry per order: the items on it. Ignored when `basketCounts` is given. */
  baskets: string[][];
  /** The same information pre-aggregated by the cell (e.g. in SQL); much smaller on the wire. */
  basketCounts?: BasketCounts;
  closedDates: string[];
  /** The cell's label for this input, changed whenever any of it changes (ADR 0940); lets repeat calls send only the label. */
  dataVersion?: string;
}

/** Orders in the window, orders containing each item, and orders containing each item pair. */
export interface BasketCounts {
  orders: number;
  items: Array<{ itemId: string; orders: number }>;
  pairs: Array<{ a: string; b: string; orders: number }>;
}

export type RecommendationKind = "menu_star" | "menu_plowhorse" | "menu_puzzle" | "menu_dog" | "menu_missing_costs" | "combo" | "slow_hour_promotion" | "prep_quantity" | "anomaly_alert";

export type Priority = "high" | "medium" | "low";

export interface Text {
  vi: string;
  en: string;
}

export interface Recommendation {
  /** Stable for the same advice on the same day, so the cell can de-duplicate and record approvals. */
  id: string;
  kind: RecommendationKind;
  priority: Priority;
  itemIds: string[];
  title: Text;
  reason: Text;
  metrics: Record<string, number>;
  /** "ml" when forecasts shaped it, "rules" for the rule-based path the cell falls back on. */
  source: "ml" | "rules";
}

export const PRIORITY_ORDER: Readonly<Record<Priority, number>> = { high: 0, medium: 1, low: 2 };
