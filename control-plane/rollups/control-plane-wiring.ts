// How the rollup and billing fields reach the control plane's own GraphQL: its context gives the pool and the
// signed-in user; platform operators are the phone numbers listed in LSP_PLATFORM_OPERATOR_PHONES
// (comma-separated, E.164) until the control plane has a role for them.
import type { GraphQLContext } from "../graphql/context.js";
import { registerBillingSchema } from "../billing/graphql.js";
import { planCatalog } from "../billing/plans.js";
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
  registerBillingSchema<GraphQLContext>(builder, { pool: (ctx) => ctx.services.pool, userId: async (ctx) => (await ctx.requireUser()).id, plans: planCatalog() });
}
