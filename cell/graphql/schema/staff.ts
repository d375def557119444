// Staff listing for owners and managers. A manager limited to some locations sees the staff of
// those locations (and those with access to all).
import { builder } from "../builder.js";
import { Role } from "./enums.js";

builder.prismaObject("StaffMember", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    phone: t.exposeString("phone"),
    role: t.field({ type: Role, resolve: (s) => s.role as "staff" }),
    allLocations: t.exposeBoolean("allLocations"),
    locationIds: t.exposeIDList("locationIds"),
  }),
});

builder.queryFields((t) => ({
  staff: t.prismaField({
    type: ["StaffMember"],
    authScopes: { manage: true },
    resolve: (query, _root, _args, ctx) => {
      const { locations } = ctx.caller;
      const where = locations === "*" ? {} : { OR: [{ allLocations: true }, { locationIds: { hasSome: [...locations] } }] };
      return ctx.db.staffMember.findMany({ ...query, where, orderBy: [{ role: "asc" }, { name: "asc" }] });
    },
  }),
}));
