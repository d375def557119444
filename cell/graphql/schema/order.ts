// Sales entry (createOrder) and the order history as a Relay connection. Everyone with access
// to a location may enter its sales; owners and managers read its whole history, staff only the
// last 48 hours of it (order amounts add up to revenue, which is for owners and managers).
import { z } from "zod";
import { canSeeFigures, canSeeLocation, locationFilter, STAFF_ORDER_WINDOW_MS, type Caller } from "../../auth/index.js";
import { createOrder, OrderInputError, replayOrder, type CreatedOrder, type OrderRequest } from "../../orders/index.js";
import { builder } from "../builder.js";
import { badInput, forbidden, isUuid, notFound, parseInput, uuidArg } from "../errors.js";
import { text } from "../text.js";
import { GraphQLError } from "graphql";
import { Channel, PaymentMethod, PaymentStatus } from "./enums.js";
import { FIRST_LOCAL_DATE } from "./scalars.js";

const MAX_LINES = 100;
/** A device clock may run a little ahead; a sale further in the future is a mistake. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** The earliest sale anyone can record: the first day LocalDate accepts. */
const EARLIEST_SALE = Date.parse(`${FIRST_LOCAL_DATE}T00:00:00Z`);
// Staff date sales and read orders within STAFF_ORDER_WINDOW_MS (48 h, cell/auth/caller.ts): older
// sales rewrite closed days' figures, and older orders add up to revenue figures.
/** A `from` computed on a till's clock as "48 hours ago" arrives a little late, or from a clock a little behind. */
const STAFF_WINDOW_SLACK_MS = 5 * 60_000;

function outsideStaffWindow(field: string, what: string): GraphQLError {
  return new GraphQLError(`${field}: staff may ${what} at most 48 hours back; ask a manager or the owner for older orders`, { extensions: { code: "FORBIDDEN", field } });
}

/** Where the caller's view of the order history starts: undefined for owners and managers, 48 hours ago for staff. */
function historyStart(caller: Caller): Date | undefined {
  return canSeeFigures(caller) ? undefined : new Date(Date.now() - STAFF_ORDER_WINDOW_MS);
}

builder.prismaObject("Order", {
  authScopes: (order) => ({ location: order.locationId }),
  fields: (t) => ({
    id: t.exposeID("id"),
    location: t.relation("location"),
    idempotencyKey: t.exposeString("idempotencyKey"),
    channel: t.field({ type: Channel, resolve: (o) => o.channel as "dine_in" }),
    paymentMethod: t.field({ type: PaymentMethod, resolve: (o) => o.paymentMethod as "cash" }),
    totalVnd: t.expose("totalVnd", { type: "Vnd" }),
    orderedAt: t.expose("orderedAt", { type: "DateTime" }),
    localDate: t.field({ type: "LocalDate", resolve: (o) => o.localDate.toISOString().slice(0, 10) }),
    note: t.exposeString("note", { nullable: true }),
    lines: t.relation("lines"),
    payments: t.relation("payments"),
  }),
});

builder.prismaObject("OrderLine", {
  fields: (t) => ({
    id: t.exposeID("id"),
    item: t.relation("menuItem"),
    itemName: t.exposeString("itemName"),
    quantity: t.exposeInt("quantity"),
    unitPriceVnd: t.expose("unitPriceVnd", { type: "Vnd" }),
    lineTotalVnd: t.expose("lineTotalVnd", { type: "Vnd" }),
  }),
});

builder.prismaObject("Payment", {
  fields: (t) => ({
    id: t.exposeID("id"),
    method: t.field({ type: PaymentMethod, resolve: (p) => p.method as "cash" }),
    amountVnd: t.expose("amountVnd", { type: "Vnd" }),
    status: t.field({ type: PaymentStatus, resolve: (p) => p.status as "succeeded" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const OrderLineInput = builder.inputType("OrderLineInput", {
  fields: (t) => ({ menuItemId: t.id({ required: true }), quantity: t.int({ required: true }) }),
});

const CreateOrderInput = builder.inputType("CreateOrderInput", {
  fields: (t) => ({
    locationId: t.id({ required: true }),
    idempotencyKey: t.string({ required: true, description: "Chosen by the client per sale; retrying with the same key never records the sale twice." }),
    channel: t.field({ type: Channel, required: true }),
    paymentMethod: t.field({ type: PaymentMethod, required: true }),
    lines: t.field({ type: [OrderLineInput], required: true }),
    orderedAt: t.field({ type: "DateTime", description: "When the sale happened; defaults to now." }),
    note: t.string(),
  }),
});

const OrderInput = z.object({
  // Lower-cased like every id argument (uuidArg): location checks and event rooms compare strings.
  locationId: z.uuid("must be an id (UUID)").transform((id) => id.toLowerCase()),
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/, "must be 8-128 characters of letters, digits, '_', '.', ':' or '-'"),
  channel: z.enum(["dine_in", "takeaway", "delivery"]),
  paymentMethod: z.enum(["cash", "card", "momo", "zalopay", "vnpay", "bank_transfer"]),
  lines: z
    .array(z.object({ menuItemId: z.uuid("must be an id (UUID)").transform((id) => id.toLowerCase()), quantity: z.number().int("must be a whole number").min(1, "must be at least 1").max(1000, "must be at most 1000") }))
    .min(1, "an order needs at least one line")
    .max(MAX_LINES, `an order has at most ${MAX_LINES} lines`),
  orderedAt: z
    .date()
    .refine((d) => d.getTime() <= Date.now() + FUTURE_TOLERANCE_MS, "must not be in the future")
    .refine((d) => d.getTime() >= EARLIEST_SALE, `must be on or after ${FIRST_LOCAL_DATE}`)
    .optional(),
  note: text().max(500, "must be at most 500 characters").optional(),
});

const CreateOrderPayload = builder.objectRef<CreatedOrder>("CreateOrderPayload").implement({
  fields: (t) => ({
    orderId: t.exposeID("orderId"),
    totalVnd: t.expose("totalVnd", { type: "Vnd" }),
    orderedAt: t.expose("orderedAt", { type: "DateTime" }),
    replayed: t.exposeBoolean("replayed", { description: "True when the idempotency key had already recorded this sale." }),
    order: t.prismaField({
      type: "Order",
      resolve: (query, created, _args, ctx) => ctx.db.order.findUniqueOrThrow({ ...query, where: { id: created.orderId } }),
    }),
  }),
});

/** Why the caller may not enter this sale now, if they may not (checked only for a new key). */
function orderRefusal(caller: Caller, input: OrderRequest): GraphQLError | undefined {
  if (!canSeeLocation(caller, input.locationId)) return forbidden(`location ${input.locationId} is not one of your locations`);
  const start = historyStart(caller);
  if (input.orderedAt && start && input.orderedAt < start) {
    return new GraphQLError("staff may date a sale at most 48 hours back; ask a manager or the owner to enter older sales", { extensions: { code: "FORBIDDEN", field: "input.orderedAt" } });
  }
  return undefined;
}

builder.mutationFields((t) => ({
  createOrder: t.field({
    type: CreateOrderPayload,
    args: { input: t.arg({ type: CreateOrderInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const raw = Object.fromEntries(Object.entries(args.input).filter(([, v]) => v !== null));
      const input = parseInput(OrderInput, raw, "input");
      // A retry of a recorded sale is answered whatever changed since it was recorded (the caller's
      // locations, the clock, the menu): create_order looks the key up before it checks anything,
      // and a request refused here is still answered with the sale its key recorded, if any.
      const refusal = orderRefusal(ctx.caller, input);
      const actor = { userId: ctx.caller.userId };
      let created: CreatedOrder | undefined;
      try {
        // One statement, so one implicit transaction: no begin/commit round trips (ADR 0302).
        created = refusal
          ? await replayOrder(ctx.database.pool, ctx.caller.tenantId, actor, input)
          : await createOrder(ctx.database.pool, ctx.caller.tenantId, actor, input);
      } catch (error) {
        if (error instanceof OrderInputError) {
          if (error.code === "BAD_USER_INPUT") throw badInput(`input.${error.field}`, error.message);
          throw new GraphQLError(error.message, { extensions: { code: error.code, field: `input.${error.field}` } });
        }
        // The trigger that stamps local time refuses locations the tenant cannot see.
        if ((error as { code?: string }).code === "23503") throw badInput("input.locationId", "no such location");
        throw error;
      }
      if (!created) throw refusal!;
      // Before answering: a dashboard read after this returns must include the sale. Also on a
      // replay: the first attempt may have committed and died before it invalidated (one cheap
      // increment; ADR 0301).
      await ctx.dashboards.salesRecorded([created.locationId]);
      if (!created.replayed) await ctx.realtime?.saleRecorded(ctx.caller.tenantId, { ...created, channel: input.channel, paymentMethod: input.paymentMethod });
      return created;
    },
  }),
}));

builder.queryFields((t) => ({
  order: t.prismaField({
    type: "Order",
    description: "One order; staff see orders of the last 48 hours only.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = uuidArg("id", args.id);
      const start = historyStart(ctx.caller);
      const order = await ctx.db.order.findFirst({ ...query, where: { id, ...(start ? { orderedAt: { gte: start } } : {}) } });
      if (order) return order;
      if (start && (await ctx.db.order.count({ where: { id } })) > 0) throw outsideStaffWindow("id", "read an order");
      throw notFound("id", `order ${id}`);
    },
  }),
  orders: t.prismaConnection({
    type: "Order",
    cursor: "id",
    maxSize: 200,
    description: "Orders newest first. Staff see the last 48 hours only: `from` defaults to, and may not be earlier than, 48 hours ago.",
    args: {
      locationId: t.arg.id(),
      from: t.arg({ type: "DateTime", description: "Orders at or after this instant." }),
      to: t.arg({ type: "DateTime", description: "Orders before this instant." }),
      channel: t.arg({ type: Channel }),
      paymentMethod: t.arg({ type: PaymentMethod }),
    },
    resolve: (query, _root, args, ctx) => {
      let location: string | { in: string[] } | undefined = locationFilter(ctx.caller);
      if (args.locationId) {
        const id = uuidArg("locationId", args.locationId);
        if (!canSeeLocation(ctx.caller, id)) throw forbidden(`location ${id} is not one of your locations`);
        location = id;
      }
      if (args.from && args.to && args.from > args.to) throw badInput("to", "must not be before from");
      // Pothos decodes the cursor but not the id inside it; Postgres would fail on a non-UUID.
      if (query.cursor?.id !== undefined && !isUuid(query.cursor.id)) throw badInput(args.before ? "before" : "after", "is not a cursor of this list");
      let from = args.from ?? undefined;
      const start = historyStart(ctx.caller);
      if (start) {
        const earliest = start.getTime() - STAFF_WINDOW_SLACK_MS;
        if (from && from.getTime() < earliest) throw outsideStaffWindow("from", "list orders");
        if (args.to && args.to.getTime() <= earliest) throw outsideStaffWindow("to", "list orders");
        if (!from || from < start) from = start;
      }
      return ctx.db.order.findMany({
        ...query,
        where: {
          ...(location ? { locationId: location } : {}),
          ...(from || args.to ? { orderedAt: { ...(from ? { gte: from } : {}), ...(args.to ? { lt: args.to } : {}) } } : {}),
          ...(args.channel ? { channel: args.channel } : {}),
          ...(args.paymentMethod ? { paymentMethod: args.paymentMethod } : {}),
        },
        orderBy: [{ orderedAt: "desc" }, { id: "desc" }],
      });
    },
  }),
}));
