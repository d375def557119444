// Request validation at the edge. Every rule names the proto field (snake_case, with indexes)
// so a bad request comes back as INVALID_ARGUMENT "series[2].start: must be ...".
import { z } from "zod";
import { isIsoDate, toDayNumber } from "../forecast/dates.js";
import { MAX_HORIZON } from "../forecast/predict.js";
import type { ModelName } from "../forecast/types.js";

export const LIMITS = {
  seriesPerRequest: 10_000,
  valuesPerSeries: 4 * 366,
  itemsPerRequest: 2_000,
  basketsPerRequest: 200_000,
  pairsPerRequest: 500_000,
  pricePointsPerItem: 2_000,
  /** An order has at most 100 lines (the cell's sales entry). */
  itemsPerBasket: 100,
  /** Closed days inside the longest series window. */
  closedDates: 4 * 366,
  /** One row per weekday and hour. */
  hourlyCells: 7 * 24,
} as const;

const MODEL_NAMES = ["seasonal_naive", "ets", "ets_log", "mstl_ets", "croston", "tsb"] as const satisfies readonly ModelName[];

const required = z.string().min(1, "is required").max(200, "is longer than 200 characters");
const isoDate = z.string().refine(isIsoDate, "must be a calendar date YYYY-MM-DD");
const nonNegative = z.number().refine((v) => Number.isFinite(v) && v >= 0, "must be a finite number >= 0");

// A plain loop, not z.array(z.union(...)): these arrays hold most of a request's numbers.
const quantities = (max: number) =>
  z.custom<number[]>((v) => Array.isArray(v) && v.every((x) => typeof x === "number" && (Number.isNaN(x) || (x >= 0 && Number.isFinite(x)))), "must be numbers >= 0 (NaN for a closed day)").refine((v) => v.length <= max, `has more than ${max} values`);

const dailySeries = z.object({
  seriesId: required,
  locationId: z.string(),
  start: isoDate,
  values: quantities(LIMITS.valuesPerSeries).refine((v) => v.length >= 7, "needs at least 7 days"),
});

// A dish added three days ago still belongs in menu and prep advice; forecasting it waits.
const itemDaily = dailySeries.extend({ values: quantities(LIMITS.valuesPerSeries) });

export const predictDemandRequest = z.object({
  tenantId: required,
  series: z.array(dailySeries).min(1, "needs at least one series").max(LIMITS.seriesPerRequest, `has more than ${LIMITS.seriesPerRequest} series`),
  horizonDays: z.number().int().min(1, `must be 1..${MAX_HORIZON}`).max(MAX_HORIZON, `must be 1..${MAX_HORIZON}`),
  intervalLevel: z.number().refine((v) => v === 0 || (v > 0 && v < 1), "must be between 0 and 1 (0 = default 0.9)"),
  closedDates: z.array(isoDate).max(LIMITS.closedDates, `has more than ${LIMITS.closedDates} dates`),
  disableHolidays: z.boolean(),
  models: z.array(z.enum(MODEL_NAMES, `must be one of ${MODEL_NAMES.join(", ")}`)).max(MODEL_NAMES.length, `has more than ${MODEL_NAMES.length} models`),
});


/**
 * Baskets: each at most an order's lines, and together no more distinct items than a request
 * may name (pairs are counted in an items × items matrix).
 */
const baskets = z
  .custom<Array<{ itemIds: string[] }>>((v) => Array.isArray(v) && v.every((b) => typeof b === "object" && b !== null && Array.isArray(b.itemIds) && b.itemIds.every((id: unknown) => typeof id === "string")), "must be a list of {item_ids: [string]}")
  .refine((v) => v.length <= LIMITS.basketsPerRequest, `has more than ${LIMITS.basketsPerRequest} baskets`)
  .superRefine((v, ctx) => {
    const distinct = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      const ids = v[i]!.itemIds;
      if (ids.length > LIMITS.itemsPerBasket) {
        ctx.addIssue({ code: "custom", path: [i, "itemIds"], message: `has more than ${LIMITS.itemsPerBasket} items` });
        return;
      }
      for (const id of ids) distinct.add(id);
      if (distinct.size > LIMITS.itemsPerRequest) {
        ctx.addIssue({ code: "custom", message: `name more than ${LIMITS.itemsPerRequest} distinct items` });
        return;
      }
    }
  });

export const getRecommendationsRequest = z.object({
  tenantId: required,
  locationId: required,
  asOf: isoDate,
  items: z
    .array(z.object({ itemId: required, name: required, nameVi: z.string(), price: nonNegative, unitCost: nonNegative }))
    .max(LIMITS.itemsPerRequest, `has more than ${LIMITS.itemsPerRequest} items`),
  daily: z.array(itemDaily).max(LIMITS.itemsPerRequest, `has more than ${LIMITS.itemsPerRequest} series`),
  hourly: z
    .array(z.object({ weekday: z.number().int().min(0, "must be 0..6").max(6, "must be 0..6"), hour: z.number().int().min(0, "must be 0..23").max(23, "must be 0..23"), orders: nonNegative, revenue: nonNegative }))
    .max(LIMITS.hourlyCells, `has more than ${LIMITS.hourlyCells} rows`),
  hourlyWeeks: z.number().int().min(0, "must be >= 0"),
  baskets,
  closedDates: z.array(isoDate).max(LIMITS.closedDates, `has more than ${LIMITS.closedDates} dates`),
  basketCounts: z
    .object({
      orders: z.number().int().min(0, "must be >= 0"),
      items: z.array(z.object({ itemId: required, orders: z.number().int().min(0, "must be >= 0") })).max(LIMITS.itemsPerRequest, `has more than ${LIMITS.itemsPerRequest} items`),
      pairs: z.array(z.object({ a: required, b: required, orders: z.number().int().min(0, "must be >= 0") })).max(LIMITS.pairsPerRequest, `has more than ${LIMITS.pairsPerRequest} pairs`),
    })
    .nullish(),
  dataVersion: z.string().max(200, "is longer than 200 characters"),
  cachedOnly: z.boolean(),
}).superRefine((req, ctx) => {
  // A series is laid out from its start to as_of, whatever it carries: bound that span, not only
  // the values sent (an early start with no values would otherwise size millions of days).
  req.daily.forEach((s, i) => {
    if (!isIsoDate(s.start) || !isIsoDate(req.asOf)) return; // already reported on the field
    const span = toDayNumber(req.asOf) - toDayNumber(s.start) + 1;
    if (span < 1) ctx.addIssue({ code: "custom", path: ["daily", i, "start"], message: `must not be after as_of (${req.asOf})` });
    else if (span > LIMITS.valuesPerSeries) ctx.addIssue({ code: "custom", path: ["daily", i, "start"], message: `must be at most ${LIMITS.valuesPerSeries} days before as_of` });
  });
  // A cached-only call names what it wants by version and carries nothing else (ADR 0940).
  if (!req.cachedOnly) return;
  if (req.dataVersion === "") ctx.addIssue({ code: "custom", path: ["dataVersion"], message: "is required when cached_only is set" });
  else if (req.items.length > 0 || req.daily.length > 0) ctx.addIssue({ code: "custom", path: ["cachedOnly"], message: "must not be set on a request that carries items or daily series" });
});

export type GetRecommendationsRequest = z.infer<typeof getRecommendationsRequest>;

export const analyzePricingRequest = z.object({
  tenantId: required,
  items: z
    .array(
      z.object({
        itemId: required,
        unitCost: nonNegative,
        points: z.array(z.object({ date: isoDate, price: nonNegative, quantity: nonNegative })).max(LIMITS.pricePointsPerItem, `has more than ${LIMITS.pricePointsPerItem} points`),
      }),
    )
    .min(1, "needs at least one item")
    .max(LIMITS.itemsPerRequest, `has more than ${LIMITS.itemsPerRequest} items`),
});

export const detectAnomaliesRequest = z.object({
  tenantId: required,
  series: z.array(dailySeries).min(1, "needs at least one series").max(LIMITS.seriesPerRequest, `has more than ${LIMITS.seriesPerRequest} series`),
  windowDays: z.number().int().min(0, `must be 1..${MAX_HORIZON} (0 = 7)`).max(MAX_HORIZON, `must be 1..${MAX_HORIZON} (0 = 7)`),
});

export class InvalidArgument extends Error {
  constructor(readonly field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = "InvalidArgument";
  }
}

/** Parses or throws InvalidArgument for the first problem, named by its proto field path. */
export function parseRequest<T>(schema: z.ZodType<T>, request: unknown): T {
  const result = schema.safeParse(request);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidArgument(fieldPath(issue.path), issue.message);
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += (out ? "." : "") + String(part).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  }
  return out || "request";
}
