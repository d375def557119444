import type { Condition, Tenant } from "../../../operator/api/v1alpha1/index.js";
import { TenantPlans } from "../../../operator/api/v1alpha1/index.js";
import { isTenantReady } from "../../onboarding/tenant-registry.js";
import type { SlugAvailability, TenantRecord } from "../../onboarding/signup.js";
import type { Role } from "../../../common/auth-claims.js";
import { builder } from "../builder.js";
import { RoleEnum } from "./role.js";

type TenantShape = TenantRecord & { role: Role };

const PlanEnum = builder.enumType("Plan", { values: Object.fromEntries(TenantPlans.map((p) => [p.toUpperCase(), { value: p }])) as Record<"STARTER" | "GROWTH" | "CHAIN", { value: (typeof TenantPlans)[number] }> });

const ConditionRef = builder.objectRef<Condition>("TenantCondition").implement({
  fields: (t) => ({
    type: t.exposeString("type"),
    status: t.exposeString("status"),
    reason: t.exposeString("reason"),
    message: t.exposeString("message"),
    lastTransitionTime: t.exposeString("lastTransitionTime"),
  }),
});

const TenantStatusRef = builder.objectRef<{ resource: Tenant | undefined }>("TenantStatus").implement({
  description: "What the platform reports about the tenant's Tenant resource; poll until ready.",
  fields: (t) => ({
    phase: t.string({
      description: "Missing (no Tenant resource), Provisioning, or Ready.",
      resolve: ({ resource }) => (!resource ? "Missing" : isTenantReady(resource) ? "Ready" : "Provisioning"),
    }),
    ready: t.boolean({ resolve: ({ resource }) => isTenantReady(resource) }),
    url: t.string({ nullable: true, resolve: ({ resource }) => resource?.status?.url ?? null }),
    cell: t.string({ nullable: true, resolve: ({ resource }) => resource?.status?.cell ?? null }),
    conditions: t.field({ type: [ConditionRef], resolve: ({ resource }) => resource?.status?.conditions ?? [] }),
  }),
});

export const TenantRef = builder.objectRef<TenantShape>("Tenant").implement({
  fields: (t) => ({
    slug: t.exposeString("slug"),
    displayName: t.exposeString("displayName"),
    plan: t.field({ type: PlanEnum, resolve: (r) => r.plan }),
    myRole: t.field({ type: RoleEnum, resolve: (r) => r.role }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    status: t.field({ type: TenantStatusRef, resolve: async (r, _args, ctx) => ({ resource: await ctx.services.onboarding.resource(r.slug) }) }),
  }),
});

builder.queryField("myTenants", (t) =>
  t.field({
    type: [TenantRef],
    resolve: async (_root, _args, ctx) => ctx.services.onboarding.tenantsOf((await ctx.requireUser()).id),
  }),
);

builder.queryField("tenant", (t) =>
  t.field({
    type: TenantRef,
    nullable: true,
    description: "One of the caller's tenants; null when the caller is not a member.",
    args: { slug: t.arg.string({ required: true }) },
    resolve: async (_root, { slug }, ctx) => (await ctx.services.onboarding.tenantsOf((await ctx.requireUser()).id)).find((x) => x.slug === slug) ?? null,
  }),
);

const SlugAvailabilityRef = builder.objectRef<SlugAvailability>("SlugAvailability").implement({
  fields: (t) => ({
    slug: t.exposeString("slug"),
    available: t.exposeBoolean("available"),
    reason: t.string({ nullable: true, description: "INVALID, RESERVED or TAKEN.", resolve: (a) => a.reason ?? null }),
    message: t.string({ nullable: true, resolve: (a) => a.message ?? null }),
  }),
});

builder.queryField("slugAvailability", (t) =>
  t.field({
    type: SlugAvailabilityRef,
    args: { slug: t.arg.string({ required: true }) },
    resolve: (_root, { slug }, ctx) => ctx.services.onboarding.slugAvailability(slug),
  }),
);

const LocationInput = builder.inputType("SignupLocationInput", {
  fields: (t) => ({ name: t.string({ required: true }), timezone: t.string({ description: "IANA zone; Asia/Ho_Chi_Minh when omitted." }) }),
});

const SignupTenantInput = builder.inputType("SignupTenantInput", {
  fields: (t) => ({
    slug: t.string({ required: true, description: "Subdomain: 3-40 of a-z, 0-9 and '-'." }),
    displayName: t.string({ required: true }),
    ownerName: t.string({ required: true }),
    plan: t.field({ type: PlanEnum, description: "STARTER when omitted." }),
    locations: t.field({ type: [LocationInput] }),
  }),
});

const SignupPayloadRef = builder.objectRef<{ tenant: TenantShape; created: boolean; accessToken: string }>("SignupTenantPayload").implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (p) => p.tenant }),
    created: t.exposeBoolean("created", { description: "False when this was a retry of an earlier signup by the same owner." }),
    accessToken: t.exposeString("accessToken", { description: "A fresh access token carrying the owner membership." }),
  }),
});

builder.mutationField("signupTenant", (t) =>
  t.field({
    type: SignupPayloadRef,
    description: "Creates the tenant and its Tenant resource; safe to retry. Poll tenant(slug).status until ready.",
    args: { input: t.arg({ type: SignupTenantInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const user = await ctx.requireUser();
      const { tenant, created } = await ctx.services.onboarding.signup(user, {
        slug: input.slug,
        displayName: input.displayName,
        ownerName: input.ownerName,
        plan: input.plan ?? undefined,
        locations: input.locations?.map((l) => ({ name: l.name, timezone: l.timezone ?? undefined })) ?? undefined,
      });
      return { tenant: { ...tenant, role: "owner" as const }, created, accessToken: await ctx.freshAccessToken() };
    },
  }),
);
