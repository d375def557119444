// GraphQL subscriptions (over yoga's server-sent events): dashboardUpdates(locationId) and
// orderCreated. Registered on the cell's Pothos builder by cell/graphql/schema/index.ts; the
// events come from the same publisher as socket.io (Redis pub/sub across replicas).
import { filter, pipe } from "graphql-yoga";
import { GraphQLError } from "graphql";
import { builder } from "../graphql/builder.js";
import { uuidArg } from "../graphql/errors.js";
import { canSeeFigures, canSeeLocation, canSeeOrderAt } from "../auth/index.js";
import type { DashboardSnapshot, SaleEvent } from "./events.js";
import { loadDashboardSnapshot } from "./snapshot.js";
import { untilExpiry } from "./until-expiry.js";

const PaidAmount = builder.objectRef<{ method: string; amount: number }>("PaidAmount").implement({
  description: "Succeeded payments today by one method.",
  fields: (t) => ({
    method: t.exposeString("method"),
    amount: t.expose("amount", { type: "Vnd" }),
  }),
});

const DashboardUpdate = builder.objectRef<DashboardSnapshot>("DashboardUpdate").implement({
  description: "Today's figures at a location (its local day), sent after every sale or payment there.",
  fields: (t) => ({
    locationId: t.exposeID("locationId"),
    date: t.expose("localDate", { type: "LocalDate" }),
    revenue: t.expose("revenueVnd", { type: "Vnd" }),
    orders: t.exposeInt("orders"),
    paid: t.field({ type: [PaidAmount], resolve: (s) => Object.entries(s.paidVnd).map(([method, amount]) => ({ method, amount })) }),
  }),
});

const OrderCreatedEvent = builder.objectRef<SaleEvent>("OrderCreatedEvent").implement({
  description: "A sale just recorded at one of the caller's locations.",
  fields: (t) => ({
    orderId: t.exposeID("orderId"),
    locationId: t.exposeID("locationId"),
    total: t.expose("totalVnd", { type: "Vnd" }),
    orderedAt: t.field({ type: "DateTime", resolve: (e) => new Date(e.orderedAt) }),
    channel: t.exposeString("channel"),
    paymentMethod: t.exposeString("paymentMethod"),
    dashboard: t.field({
      type: DashboardUpdate,
      nullable: true,
      description: "Today's figures at the location: owners and managers only (null for staff).",
      authScopes: { manage: true },
      unauthorizedResolver: () => null,
      resolve: (e) => e.dashboard,
    }),
  }),
});

function unavailable(): GraphQLError {
  return new GraphQLError("subscriptions are not available on this server", { extensions: { code: "SERVICE_UNAVAILABLE" } });
}

builder.subscriptionType({});
builder.subscriptionFields((t) => ({
  dashboardUpdates: t.field({
    type: DashboardUpdate,
    description: "Today's figures at the location, pushed after each sale or payment there (owners and managers).",
    args: { locationId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const locationId = uuidArg("locationId", args.locationId);
      if (!ctx.pubsub) throw unavailable();
      // Checked here, when subscribing: a field scope would only be checked per event.
      if (!canSeeFigures(ctx.caller)) {
        throw new GraphQLError("today's figures are for owners and managers", { extensions: { code: "FORBIDDEN" } });
      }
      if (!canSeeLocation(ctx.caller, locationId)) {
        throw new GraphQLError(`location ${locationId} is not one of your locations`, { extensions: { code: "FORBIDDEN" } });
      }
      // Row-level security hides other tenants' locations: one of theirs is "not found" here.
      if (!(await loadDashboardSnapshot(ctx.database, ctx.caller.tenantId, locationId).catch(() => undefined))) {
        throw new GraphQLError(`location ${locationId} not found`, { extensions: { code: "NOT_FOUND", field: "locationId" } });
      }
      return untilExpiry(ctx.pubsub.subscribe("dashboardUpdates", `${ctx.caller.tenantId}:${locationId}`), ctx.caller.expiresAt);
    },
    resolve: (snapshot) => snapshot,
  }),
  orderCreated: t.field({
    type: OrderCreatedEvent,
    description: "Sales recorded at the caller's locations (or at one of them), as they happen.",
    args: { locationId: t.arg.id({ required: false }) },
    subscribe: (_root, args, ctx) => {
      if (!ctx.pubsub) throw unavailable();
      const only = args.locationId ? uuidArg("locationId", args.locationId) : undefined;
      return untilExpiry(
        pipe(
          ctx.pubsub.subscribe("orderCreated", ctx.caller.tenantId),
          filter((e: SaleEvent) => canSeeLocation(ctx.caller, e.locationId) && canSeeOrderAt(ctx.caller, new Date(e.orderedAt)) && (only === undefined || e.locationId === only)),
        ),
        ctx.caller.expiresAt,
      );
    },
    resolve: (event) => event,
  }),
}));
