// Owner and platform-ops GraphQL fields, registered on the control plane's Pothos builder by
// registerRollupSchema(builder, access). The access functions say how to get the pool and the
// caller from that builder's context, so this file depends on no particular context shape.
import type pg from "pg";
import { ControlPlaneError } from "../identity/errors.js";
import { cellHealth, tenantsPerCell, usagePerTenant, type CellHealth, type CellTenants } from "./ops.js";
import { ownedTenants } from "./owners.js";
import { Grains, rollupSales, type Breakdown, type Figures, type Grain, type ItemFigures, type LocationRollup, type PeriodFigures, type Rollup, type TenantRollup } from "./query.js";
import type { UsageSummary } from "../usage/index.js";

export interface RollupAccess<Context> {
  pool(ctx: Context): pg.Pool;
  /** The signed-in caller's user id; throws UNAUTHENTICATED when there is none. */
  userId(ctx: Context): Promise<string>;
  /** Whether the caller may see the platform-ops views. */
  isPlatformOperator(ctx: Context): Promise<boolean>;
}

export const MAX_ROLLUP_DAYS = 400;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

// Structural view of a Pothos builder (any Types): only what this file calls. Keeping it loose
// lets the control plane's builder, with whatever scalars and plugins it has, be passed in.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyBuilder = { objectRef: (name: string) => any; enumType: (name: string, options: any) => any; scalarType: (name: string, options: any) => any; queryField: (name: string, field: (t: any) => any) => void };

export function registerRollupSchema<Context>(builderIn: object, access: RollupAccess<Context>): void {
  const builder = builderIn as AnyBuilder;
  builder.scalarType("Vnd", {
    description: "An amount of Vietnamese đồng, a whole number (JSON number; safe up to 9 quadrillion đồng).",
    serialize: (value: bigint) => {
      const n = Number(value);
      if (!Number.isSafeInteger(n)) throw new TypeError(`Vnd ${value} exceeds the safe integer range`);
      return n;
    },
    parseValue: (value: unknown) => {
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new TypeError("Vnd must be a whole number of đồng");
      return BigInt(value);
    },
  });
  const GrainEnum = builder.enumType("RollupGrain", { values: Object.fromEntries(Grains.map((g) => [g.toUpperCase(), { value: g }])) });

  const ItemRef = builder.objectRef("RollupItem").implement({
    fields: (t: any) => ({
      tenantSlug: t.exposeString("tenantSlug"),
      itemId: t.exposeString("itemId"),
      itemName: t.exposeString("itemName"),
      quantity: t.float({ resolve: (i: ItemFigures) => Number(i.quantity) }),
      revenueVnd: t.field({ type: "Vnd", resolve: (i: ItemFigures) => i.revenueVnd }),
    }),
  });
  const figureFields = (t: any) => ({
    revenueVnd: t.field({ type: "Vnd", resolve: (f: Figures) => f.revenueVnd }),
    orders: t.exposeInt("orders"),
    averageTicketVnd: t.field({ type: "Vnd", description: "Revenue per order, rounded to the đồng.", resolve: (f: Figures) => f.averageTicketVnd }),
    topItems: t.field({ type: [ItemRef], description: "Best sellers by revenue.", resolve: (f: Figures) => f.topItems }),
  });
  const FiguresRef = builder.objectRef("SalesFigures").implement({ fields: figureFields });
  const PeriodRef = builder.objectRef("PeriodSalesFigures").implement({
    fields: (t: any) => ({ periodStart: t.exposeString("periodStart", { description: "First local day of the bucket (YYYY-MM-DD)." }), ...figureFields(t) }),
  });
  const breakdownFields = (t: any) => ({
    total: t.field({ type: FiguresRef, resolve: (b: Breakdown) => b.total }),
    periods: t.field({ type: [PeriodRef], resolve: (b: Breakdown) => b.periods as PeriodFigures[] }),
  });
  const LocationRef = builder.objectRef("LocationRollup").implement({
    fields: (t: any) => ({ locationId: t.exposeString("locationId"), locationName: t.exposeString("locationName"), ...breakdownFields(t) }),
  });
  const TenantRollupRef = builder.objectRef("TenantRollup").implement({
    fields: (t: any) => ({ tenantSlug: t.exposeString("tenantSlug"), locations: t.field({ type: [LocationRef], resolve: (r: TenantRollup) => r.locations as LocationRollup[] }), ...breakdownFields(t) }),
  });
  const OwnerRollupRef = builder.objectRef("OwnerRollup").implement({
    description: "Sales across every location of the tenants asked for, from the cells' daily aggregates.",
    fields: (t: any) => ({ tenants: t.field({ type: [TenantRollupRef], resolve: (r: Rollup) => r.tenants }), ...breakdownFields(t) }),
  });

  builder.queryField("ownerRollup", (t: any) =>
    t.field({
      type: OwnerRollupRef,
      description: "Revenue, orders, average ticket and top items per location and in total, for tenants the caller owns (all of them when `tenants` is omitted).",
      args: {
        from: t.arg.string({ required: true, description: "First local day, YYYY-MM-DD." }),
        to: t.arg.string({ required: true, description: "Last local day, YYYY-MM-DD (inclusive)." }),
        grain: t.arg({ type: GrainEnum, defaultValue: "day" }),
        tenants: t.arg.stringList({ required: false }),
        topItems: t.arg.int({ defaultValue: 5 }),
        periodTopItems: t.arg.boolean({ defaultValue: true, description: "Rank top items inside every period too; false leaves periods' topItems empty (much cheaper by day over long ranges)." }),
      },
      resolve: async (_root: unknown, args: { from: string; to: string; grain: Grain; tenants?: string[] | null; topItems: number; periodTopItems: boolean }, ctx: Context) => {
        validateRange(args.from, args.to);
        if (args.topItems < 0 || args.topItems > 50) throw new ControlPlaneError("BAD_REQUEST", "topItems: must be between 0 and 50", { field: "topItems" });
        const pool = access.pool(ctx);
        const owned = await ownedTenants(pool, await access.userId(ctx));
        const wanted = args.tenants ?? owned;
        const foreign = wanted.filter((s) => !owned.includes(s));
        if (foreign.length > 0) throw new ControlPlaneError("FORBIDDEN", `you are not an owner of ${foreign.join(", ")}`, { field: "tenants" });
        return rollupSales(pool, { tenants: wanted, from: args.from, to: args.to, grain: args.grain, topItems: args.topItems, periodTopItems: args.periodTopItems });
      },
    }),
  );

  const CellTenantsRef = builder.objectRef("CellTenants").implement({
    fields: (t: any) => ({ cell: t.exposeString("cell"), tenants: t.exposeStringList("tenants"), count: t.int({ resolve: (c: CellTenants) => c.tenants.length }) }),
  });
  const CellHealthRef = builder.objectRef("CellHealth").implement({
    fields: (t: any) => ({
      cell: t.exposeString("cell"),
      tenants: t.exposeInt("tenants"),
      feedLagSeconds: t.float({ resolve: (c: CellHealth) => Math.min(c.feedLagSeconds, Number.MAX_SAFE_INTEGER) }),
      failingTenants: t.exposeInt("failingTenants"),
      lastError: t.string({ nullable: true, resolve: (c: CellHealth) => c.lastError ?? null }),
      lastRollupSyncAt: t.string({ nullable: true, resolve: (c: CellHealth) => c.lastRollupSyncAt?.toISOString() ?? null }),
      healthy: t.exposeBoolean("healthy"),
    }),
  });
  const UsageRef = builder.objectRef("TenantUsage").implement({
    fields: (t: any) => ({
      tenantSlug: t.exposeString("tenantSlug"),
      orders: t.exposeInt("orders"),
      gmvVnd: t.field({ type: "Vnd", resolve: (u: UsageSummary) => u.gmvVnd }),
      maxActiveLocations: t.int({ nullable: true, resolve: (u: UsageSummary) => u.maxActiveLocations ?? null }),
      maxStaffSeats: t.int({ nullable: true, resolve: (u: UsageSummary) => u.maxStaffSeats ?? null }),
    }),
  });

  const requireOperator = async (ctx: Context) => {
    if (!(await access.isPlatformOperator(ctx))) throw new ControlPlaneError("FORBIDDEN", "platform operators only");
  };
  builder.queryField("platformTenantsPerCell", (t: any) =>
    t.field({ type: [CellTenantsRef], resolve: async (_r: unknown, _a: unknown, ctx: Context) => (await requireOperator(ctx), tenantsPerCell(access.pool(ctx))) }),
  );
  builder.queryField("platformCellHealth", (t: any) =>
    t.field({ type: [CellHealthRef], resolve: async (_r: unknown, _a: unknown, ctx: Context) => (await requireOperator(ctx), cellHealth(access.pool(ctx))) }),
  );
  builder.queryField("platformUsage", (t: any) =>
    t.field({
      type: [UsageRef],
      description: "Metered usage of every tenant in a month (YYYY-MM, Vietnamese time).",
      args: { period: t.arg.string({ required: true }) },
      resolve: async (_r: unknown, args: { period: string }, ctx: Context) => {
        await requireOperator(ctx);
        if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(args.period)) throw new ControlPlaneError("BAD_REQUEST", `period: expected YYYY-MM, got ${JSON.stringify(args.period)}`, { field: "period" });
        return usagePerTenant(access.pool(ctx), args.period);
      },
    }),
  );
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A real calendar day: Date.parse alone accepts 2026-02-30. */
function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function validateRange(from: string, to: string): void {
  for (const [field, value] of [["from", from], ["to", to]] as const) {
    if (!isCalendarDate(value)) throw new ControlPlaneError("BAD_REQUEST", `${field}: expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`, { field });
  }
  if (from > to) throw new ControlPlaneError("BAD_REQUEST", "to: must not be before from", { field: "to" });
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 >= MAX_ROLLUP_DAYS) throw new ControlPlaneError("BAD_REQUEST", `to: a rollup covers at most ${MAX_ROLLUP_DAYS} days`, { field: "to" });
}
