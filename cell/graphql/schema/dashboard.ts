// Dashboard figures of a location: today (the location's local day) on Location itself, and any
// range of local days through Location.dashboard(from, to). Served from the aggregates + cache.
import { type DayFigure, type HourFigure, type ItemFigure, type SalesFigures } from "../../dashboards/index.js";
import { builder } from "../builder.js";
import { badInput } from "../errors.js";
import { MenuItemRef } from "./menu.js";

export const MAX_RANGE_DAYS = 366;
export const MAX_TOP_ITEMS = 100;

export const HourlyTrend = builder.objectRef<HourFigure>("HourlyTrend").implement({
  description: "Sales in one hour of the location's local day (summed over the days of a range).",
  fields: (t) => ({
    hour: t.exposeInt("hour"),
    revenue: t.expose("revenue", { type: "Vnd" }),
    orders: t.exposeInt("orders"),
  }),
});

export const DailySales = builder.objectRef<DayFigure>("DailySales").implement({
  fields: (t) => ({
    date: t.expose("date", { type: "LocalDate" }),
    revenue: t.expose("revenue", { type: "Vnd" }),
    orders: t.exposeInt("orders"),
  }),
});

export const TopItem = builder.objectRef<ItemFigure>("TopItem").implement({
  fields: (t) => ({
    item: t.field({
      type: MenuItemRef,
      resolve: ({ item }) => ({
        ...item,
        archivedAt: item.archivedAt ? new Date(item.archivedAt) : null,
        createdAt: new Date(item.createdAt),
        updatedAt: new Date(item.updatedAt),
      }),
    }),
    quantity: t.exposeInt("quantity"),
    revenue: t.expose("revenue", { type: "Vnd" }),
  }),
});

export function topItems(figures: SalesFigures, limit: number | null | undefined): ItemFigure[] {
  const n = limit ?? 5;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOP_ITEMS) throw badInput("limit", `must be between 1 and ${MAX_TOP_ITEMS}`);
  return figures.items.slice(0, n);
}

export interface SalesRangeShape {
  locationId: string;
  from: string;
  to: string;
}

export const SalesRange = builder.objectRef<SalesRangeShape>("SalesRange").implement({
  description: "Sales of one location over local days from..to (inclusive).",
  fields: (t) => ({
    from: t.expose("from", { type: "LocalDate" }),
    to: t.expose("to", { type: "LocalDate" }),
    revenue: t.field({ type: "Vnd", resolve: async (r, _a, ctx) => (await ctx.figures(r.locationId, r.from, r.to)).revenue }),
    orders: t.int({ resolve: async (r, _a, ctx) => (await ctx.figures(r.locationId, r.from, r.to)).orders }),
    hourlyTrends: t.field({ type: [HourlyTrend], resolve: async (r, _a, ctx) => (await ctx.figures(r.locationId, r.from, r.to)).hourly }),
    daily: t.field({ type: [DailySales], resolve: async (r, _a, ctx) => (await ctx.figures(r.locationId, r.from, r.to)).daily }),
    topItems: t.field({
      type: [TopItem],
      args: { limit: t.arg.int({ defaultValue: 5 }) },
      resolve: async (r, args, ctx) => topItems(await ctx.figures(r.locationId, r.from, r.to), args.limit),
    }),
  }),
});

export function checkRange(from: string, to: string): void {
  if (from > to) throw badInput("to", `must not be before from (${from})`);
  // Counted, not listed: listing a long range's days first would be the very work the limit prevents.
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS) throw badInput("to", `a range covers at most ${MAX_RANGE_DAYS} days`);
}
