// The caller and their tenant.
import { builder } from "../builder.js";
import { Role } from "./enums.js";

builder.prismaObject("Tenant", {
  fields: (t) => ({
    id: t.exposeID("id"),
    slug: t.exposeString("slug"),
    displayName: t.exposeString("displayName"),
    plan: t.exposeString("plan"),
  }),
});

const Me = builder.objectRef<{ userId: string; phone: string; role: "owner" | "manager" | "staff"; locations: string[] | null }>("Me").implement({
  fields: (t) => ({
    userId: t.exposeID("userId"),
    phone: t.exposeString("phone"),
    role: t.expose("role", { type: Role }),
    locationIds: t.exposeIDList("locations", { nullable: true, description: "Locations the caller may see; null means all of the tenant's." }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: Me,
    resolve: (_root, _args, { caller }) => ({
      userId: caller.userId,
      phone: caller.phone,
      role: caller.role,
      locations: caller.locations === "*" ? null : [...caller.locations],
    }),
  }),
  tenant: t.prismaField({
    type: "Tenant",
    resolve: (query, _root, _args, ctx) => ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: ctx.caller.tenantId } }),
  }),
}));
