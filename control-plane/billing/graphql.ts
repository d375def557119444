// Owner GraphQL for billing, registered on the control plane's Pothos builder:
//   invoices(tenant), billingStanding(tenant), mutation changePlan(tenant, plan, effectiveOn).
// Owners only. Plan changes take effect today or later (Vietnamese days): never backdated.
// Uses the Vnd scalar that registerRollupSchema defines: register the rollups first (as
// registerControlPlaneRollups does).
import type pg from "pg";
import { ControlPlaneError } from "../identity/errors.js";
import { dunningState } from "./dunning.js";
import { listInvoices, type Invoice } from "./invoices.js";
import { localDateOf } from "./period.js";
import type { PlanCatalog } from "./plans.js";
import { CANCELLED } from "./segments.js";
import { BillingInputError, changePlan } from "./subscriptions.js";

export interface BillingAccess<Context> {
  pool(ctx: Context): pg.Pool;
  userId(ctx: Context): Promise<string>;
  plans: PlanCatalog;
  /**
   * The service side of an owner's plan change (the Tenant's `spec.plan`): `check` refuses, before
   * anything is recorded, a plan the Tenant cannot take (throws ControlPlaneError); `apply` sets it
   * once billing has recorded the change. Without it, billing alone changes.
   */
  tenantPlan?: { check(ctx: Context, tenant: string, plan: string): Promise<void>; apply(ctx: Context, tenant: string, plan: string): Promise<void> };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- structural view of any Pothos builder, as in rollups/graphql.ts */
type AnyBuilder = { objectRef: (name: string) => any; queryField: (name: string, field: (t: any) => any) => void; mutationField: (name: string, field: (t: any) => any) => void };

export function registerBillingSchema<Context>(builderIn: object, access: BillingAccess<Context>): void {
  const builder = builderIn as AnyBuilder;

  async function requireOwner(ctx: Context, tenant: string): Promise<pg.Pool> {
    const pool = access.pool(ctx);
    const { rowCount } = await pool.query(`select 1 from control_plane.memberships where user_id = $1 and tenant_slug = $2 and role = 'owner'`, [await access.userId(ctx), tenant]);
    if (!rowCount) throw new ControlPlaneError("FORBIDDEN", `only an owner of '${tenant}' sees its billing`, { field: "tenant" });
    return pool;
  }

  const LineRef = builder.objectRef("InvoiceLine").implement({
    fields: (t: any) => ({
      code: t.exposeString("code"),
      plan: t.exposeString("plan"),
      from: t.exposeString("from"),
      to: t.exposeString("to"),
      description: t.exposeString("description"),
      quantity: t.exposeString("quantity", { description: "Whole number as text (GMV lines carry đồng)." }),
      unitPriceVnd: t.field({ type: "Vnd", resolve: (l: { unitPriceVnd: string }) => BigInt(l.unitPriceVnd) }),
      amountVnd: t.field({ type: "Vnd", resolve: (l: { amountVnd: string }) => BigInt(l.amountVnd) }),
    }),
  });
  const InvoiceRef = builder.objectRef("Invoice").implement({
    description: "A monthly invoice; issued ones never change.",
    fields: (t: any) => ({
      number: t.exposeString("number"),
      period: t.exposeString("period"),
      status: t.exposeString("status", { description: "issued, paid or void (drafts are not shown)." }),
      lines: t.field({ type: [LineRef], resolve: (i: Invoice) => i.lines }),
      subtotalVnd: t.field({ type: "Vnd", resolve: (i: Invoice) => i.subtotalVnd }),
      vatRatePercent: t.float({ resolve: (i: Invoice) => i.vatRateBasisPoints / 100 }),
      vatVnd: t.field({ type: "Vnd", resolve: (i: Invoice) => i.vatVnd }),
      totalVnd: t.field({ type: "Vnd", resolve: (i: Invoice) => i.totalVnd }),
      paidVnd: t.field({ type: "Vnd", resolve: (i: Invoice) => i.paidVnd }),
      issuedAt: t.string({ nullable: true, resolve: (i: Invoice) => i.issuedAt?.toISOString() ?? null }),
      dueOn: t.string({ nullable: true, resolve: (i: Invoice) => i.dueOn ?? null }),
      csvUrl: t.string({ resolve: (i: Invoice) => `/billing/invoices/${i.number}.csv` }),
      pdfUrl: t.string({ resolve: (i: Invoice) => `/billing/invoices/${i.number}.pdf` }),
    }),
  });
  const StandingRef = builder.objectRef("BillingStanding").implement({
    fields: (t: any) => ({
      state: t.exposeString("state", { description: "current, past_due or suspended." }),
      since: t.string({ nullable: true, resolve: (s: { since?: Date }) => s.since?.toISOString() ?? null }),
      reason: t.exposeString("reason"),
    }),
  });

  builder.queryField("invoices", (t: any) =>
    t.field({
      type: [InvoiceRef],
      description: "The tenant's issued invoices, newest first (owners only).",
      args: { tenant: t.arg.string({ required: true }) },
      resolve: async (_r: unknown, args: { tenant: string }, ctx: Context) => (await listInvoices(await requireOwner(ctx, args.tenant), args.tenant)).filter((i) => i.status !== "draft"),
    }),
  );
  builder.queryField("billingStanding", (t: any) =>
    t.field({
      type: StandingRef,
      args: { tenant: t.arg.string({ required: true }) },
      resolve: async (_r: unknown, args: { tenant: string }, ctx: Context) => dunningState(await requireOwner(ctx, args.tenant), args.tenant),
    }),
  );
  builder.mutationField("changePlan", (t: any) =>
    t.field({
      type: "Boolean",
      description: "Switch the tenant's plan from a local day on (tomorrow at the earliest, and when omitted); the month's invoice prorates both plans by day.",
      args: { tenant: t.arg.string({ required: true }), plan: t.arg.string({ required: true }), effectiveOn: t.arg.string({ required: false }) },
      resolve: async (_r: unknown, args: { tenant: string; plan: string; effectiveOn?: string | null }, ctx: Context) => {
        const pool = await requireOwner(ctx, args.tenant);
        // Today is being billed on the current plan already: a change dated today would rewrite
        // the whole day (a switch to a cheaper plan, or to cancelled, at 23:59 bills the day at
        // that price). Owners change from tomorrow; platform staff can still date a change with
        // the billing CLI.
        const tomorrow = localDateOf(new Date(Date.now() + 86_400_000));
        const effectiveOn = args.effectiveOn ?? tomorrow;
        if (effectiveOn < tomorrow) throw new ControlPlaneError("BAD_REQUEST", `effectiveOn: a plan change starts tomorrow (${tomorrow}) at the earliest`, { field: "effectiveOn" });
        // Ending the service is not a billing switch: the Tenant would go on running unbilled.
        if (args.plan === CANCELLED) throw new ControlPlaneError("BAD_REQUEST", `plan: owners cannot choose '${CANCELLED}' here; to close the business's account, contact support`, { field: "plan" });
        if (!access.plans.has(args.plan)) throw new ControlPlaneError("BAD_REQUEST", `plan: unknown plan '${args.plan}' (known: ${[...access.plans.keys()].join(", ")})`, { field: "plan" });
        await access.tenantPlan?.check(ctx, args.tenant, args.plan);
        try {
          await changePlan(pool, access.plans, { tenantSlug: args.tenant, plan: args.plan, effectiveOn });
        } catch (error) {
          if (error instanceof BillingInputError) throw new ControlPlaneError("BAD_REQUEST", error.message, { field: error.field });
          throw error;
        }
        // The service follows: what the owner pays for is what the Tenant runs on. (Should this
        // fail, the owner-adoption loop brings billing back to the Tenant's plan from tomorrow.)
        await access.tenantPlan?.apply(ctx, args.tenant, args.plan);
        return true;
      },
    }),
  );
}
/* eslint-enable @typescript-eslint/no-explicit-any */
