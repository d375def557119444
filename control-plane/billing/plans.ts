// The plan catalogue: prices are configuration (validated here), never scattered through code.
import { z } from "zod";

const vnd = z.number().int("must be whole đồng").min(0, "must not be negative");

export const PlanSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, "must be a lowercase id such as 'growth'"),
  name: z.string().min(1),
  /** Monthly price of one location, before VAT. */
  locationMonthlyVnd: vnd,
  /** Orders a month included for the whole tenant; prorated with the days the plan was held. */
  includedOrders: z.number().int().min(0),
  extraOrderVnd: vnd,
  /** Share of GMV charged, in basis points (10 = 0.1%). */
  gmvFeeBasisPoints: z.number().int().min(0).max(10_000),
  includedStaffSeats: z.number().int().min(0),
  extraSeatMonthlyVnd: vnd,
});
export type Plan = z.infer<typeof PlanSchema>;

export const PlanCatalogSchema = z
  .array(PlanSchema)
  .min(1, "must list at least one plan")
  .refine((plans) => new Set(plans.map((p) => p.id)).size === plans.length, "plan ids must be unique");

export type PlanCatalog = ReadonlyMap<string, Plan>;

/** Starter, Growth and Chain as sold today (prices before VAT). */
export const DEFAULT_PLANS: Plan[] = [
  { id: "starter", name: "Starter", locationMonthlyVnd: 199_000, includedOrders: 1_500, extraOrderVnd: 100, gmvFeeBasisPoints: 0, includedStaffSeats: 3, extraSeatMonthlyVnd: 29_000 },
  { id: "growth", name: "Growth", locationMonthlyVnd: 449_000, includedOrders: 6_000, extraOrderVnd: 80, gmvFeeBasisPoints: 0, includedStaffSeats: 10, extraSeatMonthlyVnd: 25_000 },
  { id: "chain", name: "Chain", locationMonthlyVnd: 399_000, includedOrders: 20_000, extraOrderVnd: 50, gmvFeeBasisPoints: 10, includedStaffSeats: 30, extraSeatMonthlyVnd: 19_000 },
];

/** Validates a catalogue (e.g. read from config) and indexes it by id; errors name the plan and field. */
export function planCatalog(plans: unknown = DEFAULT_PLANS): PlanCatalog {
  const parsed = PlanCatalogSchema.safeParse(plans);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`plans[${issue.path.join(".")}]: ${issue.message}`);
  }
  return new Map(parsed.data.map((p) => [p.id, p]));
}
