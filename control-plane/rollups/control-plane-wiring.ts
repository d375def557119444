// How the rollup and billing fields reach the control plane's own GraphQL: its context gives the pool and the
// signed-in user; platform operators are the phone numbers listed in LSP_PLATFORM_OPERATOR_PHONES
// (comma-separated, E.164) until the control plane has a role for them.
import type { GraphQLContext } from "../graphql/context.js";
import { registerBillingSchema } from "../billing/graphql.js";
import { planCatalog } from "../billing/plans.js";
import { TenantPlans, type TenantPlan } from "../../operator/api/v1alpha1/index.js";
import { ControlPlaneError } from "../identity/errors.js";
import { TenantNotFoundError, TenantPlanRefusedError } from "../onboarding/tenant-registry.js";
import { registerRollupSchema } from "./graphql.js";

export function platformOperatorPhones(env: NodeJS.ProcessEnv = process.env): Set<string> {
  return new Set((env.LSP_PLATFORM_OPERATOR_PHONES ?? "").split(",").map((p) => p.trim()).filter(Boolean));
}

export function registerControlPlaneRollups(builder: object, operators: Set<string> = platformOperatorPhones()): void {
  registerRollupSchema<GraphQLContext>(builder, {
    pool: (ctx) => ctx.services.pool,
    userId: async (ctx) => (await ctx.requireUser()).id,
    isPlatformOperator: async (ctx) => operators.has((await ctx.requireUser()).phone),
  });
  // Owners' invoices, standing and plan changes (control-plane/billing), on the same builder.
  registerBillingSchema<GraphQLContext>(builder, {
    pool: (ctx) => ctx.services.pool,
    userId: async (ctx) => (await ctx.requireUser()).id,
    plans: planCatalog(),
    tenantPlan: {
      check: (ctx, tenant, plan) => refusalsAsBadRequest(() => ctx.services.onboarding.checkPlan(tenant, asTenantPlan(plan))),
      apply: (ctx, tenant, plan) => refusalsAsBadRequest(() => ctx.services.onboarding.setPlan(tenant, asTenantPlan(plan))),
    },
  });
}

function asTenantPlan(plan: string): TenantPlan {
  if (!(TenantPlans as readonly string[]).includes(plan)) throw new ControlPlaneError("BAD_REQUEST", `plan: a Tenant's plan is one of ${TenantPlans.join(", ")}`, { field: "plan" });
  return plan as TenantPlan;
}

async function refusalsAsBadRequest(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof TenantPlanRefusedError) throw new ControlPlaneError("BAD_REQUEST", `plan: ${error.message}`, { field: "plan" });
    if (error instanceof TenantNotFoundError) throw new ControlPlaneError("BAD_REQUEST", `tenant: ${error.message}`, { field: "tenant" });
    throw error;
  }
}
