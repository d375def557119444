import { builder } from "../builder.js";
import type { Invite, JoinCode, StaffMember } from "../../staff/staff.js";
import { locationFields, locationsInput } from "./locations.js";
import { MembershipPayloadRef } from "./membership.js";
import { GrantableRoleEnum, RoleEnum } from "./role.js";
import { TenantRef } from "./tenant.js";

const StaffMemberRef = builder.objectRef<StaffMember>("StaffMember").implement({
  fields: (t) => ({
    userId: t.exposeID("userId"),
    phone: t.exposeString("phone"),
    name: t.exposeString("name", { nullable: true }),
    role: t.field({ type: RoleEnum, resolve: (m) => m.role }),
    allLocations: t.boolean({ resolve: (m) => locationFields.allLocations(m.locations) }),
    locationIds: t.stringList({ resolve: (m) => locationFields.locationIds(m.locations) }),
    joinedAt: t.expose("joinedAt", { type: "DateTime" }),
  }),
});

const InviteRef = builder.objectRef<Invite>("Invite").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    tenantSlug: t.exposeString("tenant"),
    phone: t.exposeString("phone"),
    role: t.field({ type: GrantableRoleEnum, resolve: (i) => i.role }),
    allLocations: t.boolean({ resolve: (i) => locationFields.allLocations(i.locations) }),
    locationIds: t.stringList({ resolve: (i) => locationFields.locationIds(i.locations) }),
    status: t.string({
      description: "PENDING, ACCEPTED, REVOKED or EXPIRED.",
      resolve: (i) => (i.acceptedAt ? "ACCEPTED" : i.revokedAt ? "REVOKED" : i.expiresAt <= new Date() ? "EXPIRED" : "PENDING"),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
  }),
});

const JoinCodeRef = builder.objectRef<JoinCode>("JoinCode").implement({
  description: "A permanent code staff of a chain type in to join; the code itself is shown only when created or rotated.",
  fields: (t) => ({
    id: t.exposeID("id"),
    tenantSlug: t.exposeString("tenant"),
    label: t.exposeString("label"),
    role: t.field({ type: GrantableRoleEnum, resolve: (j) => j.role }),
    allLocations: t.boolean({ resolve: (j) => locationFields.allLocations(j.locations) }),
    locationIds: t.stringList({ resolve: (j) => locationFields.locationIds(j.locations) }),
    hint: t.exposeString("hint", { description: "The code's last 4 characters." }),
    active: t.boolean({ resolve: (j) => j.revokedAt === null }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    rotatedAt: t.expose("rotatedAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

const JoinCodePayloadRef = builder.objectRef<{ joinCode: JoinCode; code: string }>("JoinCodePayload").implement({
  fields: (t) => ({
    joinCode: t.field({ type: JoinCodeRef, resolve: (p) => p.joinCode }),
    code: t.exposeString("code", { description: "Shown this once; store or print it now." }),
  }),
});

builder.objectFields(TenantRef, (t) => ({
  staff: t.field({ type: [StaffMemberRef], resolve: async (tenant, _args, ctx) => ctx.services.staff.members(await ctx.requireUser(), tenant.slug) }),
  invites: t.field({
    type: [InviteRef],
    description: "Newest first.",
    args: {
      pending: t.arg.boolean({ defaultValue: false, description: "Only invites that can still be accepted." }),
      first: t.arg.int({ defaultValue: 100, description: "At most this many (1-500)." }),
    },
    resolve: async (tenant, args, ctx) => ctx.services.staff.invites(await ctx.requireUser(), tenant.slug, { pendingOnly: args.pending ?? false, first: args.first ?? undefined }),
  }),
  joinCodes: t.field({
    type: [JoinCodeRef],
    description: "Active codes first.",
    args: { first: t.arg.int({ defaultValue: 100, description: "At most this many (1-500)." }) },
    resolve: async (tenant, args, ctx) => ctx.services.staff.joinCodes(await ctx.requireUser(), tenant.slug, { first: args.first ?? undefined }),
  }),
}));

const InviteStaffInput = builder.inputType("InviteStaffInput", {
  fields: (t) => ({
    tenantSlug: t.string({ required: true }),
    phone: t.string({ required: true }),
    role: t.field({ type: GrantableRoleEnum, required: true }),
    locationIds: t.stringList({ description: "Null for all locations." }),
    expiresInDays: t.int({ description: "1-30; 7 when omitted." }),
  }),
});

const JoinCodeInput = builder.inputType("CreateJoinCodeInput", {
  fields: (t) => ({
    tenantSlug: t.string({ required: true }),
    label: t.string({ description: "e.g. \"Chi nhánh Quận 1 - phục vụ\"" }),
    role: t.field({ type: GrantableRoleEnum, required: true }),
    locationIds: t.stringList({ description: "Null for all locations." }),
  }),
});

builder.mutationFields((t) => ({
  inviteStaff: t.field({
    type: InviteRef,
    description: "Texts a one-time code to the phone; the invitee signs in with that phone and calls acceptInvite.",
    args: { input: t.arg({ type: InviteStaffInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      ctx.services.staff.invite(await ctx.requireUser(), {
        tenant: input.tenantSlug,
        phone: input.phone,
        role: input.role,
        locations: locationsInput(input.locationIds),
        expiresInDays: input.expiresInDays ?? undefined,
      }),
  }),
  revokeInvite: t.field({
    type: InviteRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ctx.services.staff.revokeInvite(await ctx.requireUser(), String(id)),
  }),
  acceptInvite: t.field({
    type: MembershipPayloadRef,
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, ctx) => {
      const user = await ctx.requireUser();
      const membership = await ctx.services.staff.acceptInvite(user, code);
      return { membership, accessToken: await ctx.freshAccessToken() };
    },
  }),
  createJoinCode: t.field({
    type: JoinCodePayloadRef,
    args: { input: t.arg({ type: JoinCodeInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      ctx.services.staff.createJoinCode(await ctx.requireUser(), { tenant: input.tenantSlug, label: input.label ?? undefined, role: input.role, locations: locationsInput(input.locationIds) }),
  }),
  rotateJoinCode: t.field({
    type: JoinCodePayloadRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ctx.services.staff.rotateJoinCode(await ctx.requireUser(), String(id)),
  }),
  revokeJoinCode: t.field({
    type: JoinCodeRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ctx.services.staff.revokeJoinCode(await ctx.requireUser(), String(id)),
  }),
  joinWithCode: t.field({
    type: MembershipPayloadRef,
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, ctx) => {
      const user = await ctx.requireUser();
      const membership = await ctx.services.staff.joinWithCode(user, code);
      return { membership, accessToken: await ctx.freshAccessToken() };
    },
  }),
  changeStaffRole: t.field({
    type: MembershipPayloadRef,
    description: "Owner only. The member's current access token keeps its old role until it expires (at most 15 minutes).",
    args: { tenantSlug: t.arg.string({ required: true }), userId: t.arg.id({ required: true }), role: t.arg({ type: GrantableRoleEnum, required: true }), locationIds: t.arg.stringList() },
    resolve: async (_root, args, ctx) => {
      const user = await ctx.requireUser();
      const membership = await ctx.services.staff.changeRole(user, args.tenantSlug, String(args.userId), args.role, locationsInput(args.locationIds));
      // The caller's own token is unchanged by someone else's role change.
      return { membership, accessToken: await ctx.freshAccessToken() };
    },
  }),
  removeStaff: t.boolean({
    description: "Owner only. The member's current access token works until it expires (at most 15 minutes); refreshes stop carrying the tenant at once.",
    args: { tenantSlug: t.arg.string({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await ctx.services.staff.remove(await ctx.requireUser(), args.tenantSlug, String(args.userId));
      return true;
    },
  }),
}));
