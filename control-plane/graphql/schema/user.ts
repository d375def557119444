import type { User } from "../../identity/users.js";
import { membershipsOf, setUserName } from "../../identity/users.js";
import { ControlPlaneError } from "../../identity/errors.js";
import { builder } from "../builder.js";
import { MembershipRef } from "./membership.js";

export const UserRef = builder.objectRef<User>("User").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    phone: t.exposeString("phone", { description: "E.164, e.g. +84912345678." }),
    name: t.exposeString("name", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    memberships: t.field({ type: [MembershipRef], resolve: (u, _args, ctx) => membershipsOf(ctx.services.pool, u.id) }),
  }),
});

builder.queryField("me", (t) => t.field({ type: UserRef, nullable: true, description: "The signed-in user; null when anonymous.", resolve: (_root, _args, ctx) => ctx.user() }));

builder.mutationField("updateProfile", (t) =>
  t.field({
    type: UserRef,
    args: { name: t.arg.string({ required: true }) },
    resolve: async (_root, { name }, ctx) => {
      const user = await ctx.requireUser();
      const trimmed = name.trim();
      if (trimmed.length < 1 || trimmed.length > 200) throw new ControlPlaneError("BAD_REQUEST", "name must be 1-200 characters", { field: "name" });
      return setUserName(ctx.services.pool, user.id, trimmed);
    },
  }),
);
