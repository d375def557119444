// Recommendations (written by the ML side) that owners and managers approve or dismiss.
import { locationFilter } from "../../auth/index.js";
import { refreshLocationRecommendations } from "../../recommendations/index.js";
import { builder } from "../builder.js";
import { badInput, forbidden, notFound, uuidArg } from "../errors.js";
import { RecommendationDecision, RecommendationStatus } from "./enums.js";

builder.prismaObject("Recommendation", {
  authScopes: (r) => (r.locationId ? { location: r.locationId } : { manage: true }),
  fields: (t) => ({
    id: t.exposeID("id"),
    location: t.relation("location", { nullable: true }),
    kind: t.exposeString("kind"),
    title: t.exposeString("title"),
    body: t.exposeString("body"),
    payload: t.string({ description: "Kind-specific details as JSON.", resolve: (r) => JSON.stringify(r.payload) }),
    status: t.field({ type: RecommendationStatus, resolve: (r) => r.status as "pending" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    decidedAt: t.expose("decidedAt", { type: "DateTime", nullable: true }),
  }),
});

builder.queryFields((t) => ({
  recommendations: t.prismaField({
    type: ["Recommendation"],
    authScopes: { manage: true },
    args: { status: t.arg({ type: RecommendationStatus }) },
    resolve: (query, _root, args, ctx) => {
      const only = locationFilter(ctx.caller);
      return ctx.db.recommendation.findMany({
        ...query,
        where: { ...(args.status ? { status: args.status } : {}), ...(only ? { OR: [{ locationId: null }, { locationId: only }] } : {}) },
        orderBy: { createdAt: "desc" },
        take: 200,
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  refreshRecommendations: t.prismaField({
    type: ["Recommendation"],
    description:
      "Asks the ML pod for fresh advice at a location now (the rule-based fallback answers when it is down); returns the location's pending recommendations. At most once a minute per location: a repeat within the minute returns the pending recommendations without asking again.",
    authScopes: { manage: true },
    args: { locationId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const locationId = uuidArg("locationId", args.locationId);
      const location = await ctx.location(locationId);
      if (!location) throw notFound("locationId", `location ${locationId}`);
      const { tenantId, locations } = ctx.caller;
      if (locations !== "*" && !locations.has(locationId)) throw forbidden();
      if (!ctx.ml) throw badInput("locationId", "this cell has no ML client configured");
      const pending = () => ctx.db.recommendation.findMany({ ...query, where: { locationId, status: "pending" }, orderBy: { createdAt: "desc" }, take: 200 });
      // Within a minute of the last refresh the advice (computed from data up to yesterday) could
      // differ only after a back-dated sale or a menu change in that minute: answered from what
      // that refresh recorded, without loading the input again (cell/recommendations/throttle.ts).
      if (!(await ctx.refreshThrottle.take(tenantId, locationId))) {
        ctx.log.info({ locationId }, "Answered a recommendations refresh from the stored list (refreshed less than a minute ago)");
        return pending();
      }
      const refreshed = await refreshLocationRecommendations((work) => ctx.database.sql(tenantId, work), ctx.ml, tenantId, { id: locationId, timezone: location.timezone });
      ctx.log.info({ locationId, source: refreshed.source, added: refreshed.added, degraded: refreshed.degradedReason }, "Refreshed recommendations");
      return pending();
    },
  }),
  decideRecommendation: t.prismaField({
    type: "Recommendation",
    authScopes: { manage: true },
    args: { id: t.arg.id({ required: true }), decision: t.arg({ type: RecommendationDecision, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = uuidArg("id", args.id);
      const { tenantId, userId, locations } = ctx.caller;
      return ctx.database.transaction(tenantId, async (tx) => {
        const current = await tx.recommendation.findUnique({ where: { id } });
        if (!current) throw notFound("id", `recommendation ${id}`);
        if (current.locationId && locations !== "*" && !locations.has(current.locationId)) throw forbidden();
        if (current.status !== "pending") throw badInput("id", `already ${current.status}`);
        // Decided only if still pending when written: of two managers deciding at once, the second
        // finds it decided (the row lock makes it wait for the first), instead of overwriting it.
        const decided = await tx.recommendation.updateMany({ where: { id, status: "pending" }, data: { status: args.decision, decidedAt: new Date(), decidedBy: userId } });
        if (decided.count === 0) {
          const now = await tx.recommendation.findUnique({ where: { id }, select: { status: true } });
          throw badInput("id", `already ${now?.status ?? "decided"}`);
        }
        const updated = await tx.recommendation.findUniqueOrThrow({ ...query, where: { id } });
        await tx.auditLogEntry.create({ data: { tenantId, actor: userId, action: `recommendation.${args.decision}`, entity: "recommendation", entityId: id } });
        await tx.outboxEvent.create({ data: { tenantId, topic: "recommendation.decided", key: id, payload: { id, decision: args.decision, kind: current.kind } } });
        return updated;
      });
    },
  }),
}));
