// Locations and their dashboards. A caller sees only the locations their membership names;
// revenue figures are for owners and managers.
import { localToday } from "../../dashboards/index.js";
import { locationFilter } from "../../auth/index.js";
import { builder } from "../builder.js";
import { forbidden, notFound, uuidArg } from "../errors.js";
import { checkRange, HourlyTrend, SalesRange, TopItem, topItems } from "./dashboard.js";

export const LocationRef = builder.prismaObject("Location", {
  authScopes: (location) => ({ location: location.id }),
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    timezone: t.exposeString("timezone"),
    today: t.field({
      type: "LocalDate",
      description: "The current calendar day in the location's time zone.",
      resolve: (l) => localToday(l.timezone),
    }),
    todayRevenue: t.field({
      type: "Vnd",
      authScopes: { manage: true },
      resolve: async (l, _a, ctx) => {
        const day = localToday(l.timezone);
        return (await ctx.figures(l.id, day, day)).revenue;
      },
    }),
    todayOrders: t.int({
      authScopes: { manage: true },
      resolve: async (l, _a, ctx) => {
        const day = localToday(l.timezone);
        return (await ctx.figures(l.id, day, day)).orders;
      },
    }),
    hourlyTrends: t.field({
      type: [HourlyTrend],
      authScopes: { manage: true },
      resolve: async (l, _a, ctx) => {
        const day = localToday(l.timezone);
        return (await ctx.figures(l.id, day, day)).hourly;
      },
    }),
    topItems: t.field({
      type: [TopItem],
      authScopes: { manage: true },
      args: { limit: t.arg.int({ defaultValue: 5 }) },
      resolve: async (l, args, ctx) => {
        const day = localToday(l.timezone);
        return topItems(await ctx.figures(l.id, day, day), args.limit);
      },
    }),
    dashboard: t.field({
      type: SalesRange,
      authScopes: { manage: true },
      args: { from: t.arg({ type: "LocalDate", required: true }), to: t.arg({ type: "LocalDate", required: true }) },
      resolve: (l, args) => {
        checkRange(args.from, args.to);
        return { locationId: l.id, from: args.from, to: args.to };
      },
    }),
  }),
});

builder.queryFields((t) => ({
  locations: t.prismaField({
    type: ["Location"],
    resolve: (query, _root, _args, ctx) => {
      const only = locationFilter(ctx.caller);
      return ctx.db.location.findMany({ ...query, where: only ? { id: only } : {}, orderBy: { name: "asc" } });
    },
  }),
  location: t.field({
    type: LocationRef,
    args: { id: t.arg.id({ required: true }) },
    // Plain SQL (cached briefly), not Prisma: this is the first step of every dashboard request.
    resolve: async (_root, args, ctx) => {
      const id = uuidArg("id", args.id);
      if (ctx.caller.locations !== "*" && !ctx.caller.locations.has(id)) throw forbidden(`location ${id} is not one of your locations`);
      const location = await ctx.location(id);
      if (!location) throw notFound("id", `location ${id}`);
      return location;
    },
  }),
}));
