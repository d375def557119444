// The tenant's menu: categories and items, prices in whole VND. Everyone reads it; owners and
// managers change it. Items are archived rather than deleted because past orders refer to them.
import { z } from "zod";
import { builder } from "../builder.js";
import type { CellContext } from "../context.js";
import { badInput, isForeignKeyViolation, isUniqueViolation, notFound, parseInput, uuidArg } from "../errors.js";
import { text } from "../text.js";
import type { TransactionClient } from "../../db/index.js";

const MAX_PRICE_VND = 100_000_000;

export const MenuCategoryRef = builder.prismaObject("MenuCategory", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    position: t.exposeInt("position"),
    items: t.relation("items", {
      args: { includeArchived: t.arg.boolean({ defaultValue: false }) },
      query: (args) => ({ where: args.includeArchived ? {} : { archivedAt: null }, orderBy: { name: "asc" } }),
    }),
  }),
});

export const MenuItemRef = builder.prismaObject("MenuItem", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    priceVnd: t.expose("priceVnd", { type: "Vnd" }),
    unitCostVnd: t.expose("unitCostVnd", {
      type: "Vnd",
      nullable: true,
      // Margins are the business's money: owners and managers only, like revenue.
      authScopes: { manage: true },
      description: "Food cost per unit, in whole VND; null until entered. Owners and managers only.",
    }),
    available: t.exposeBoolean("available"),
    archived: t.boolean({ resolve: (item) => item.archivedAt !== null }),
    category: t.relation("category"),
  }),
});

const Name = text().trim().min(1, "must not be empty").max(120, "must be at most 120 characters");
const CategoryInput = z.object({ name: Name, position: z.number().int().min(0).max(10_000).optional() });
const CategoryPatch = CategoryInput.partial();
const ItemInput = z.object({
  categoryId: z.uuid("must be an id (UUID)"),
  name: Name,
  priceVnd: z.number().int("must be a whole number of đồng").min(0, "must not be negative").max(MAX_PRICE_VND, `must be at most ${MAX_PRICE_VND}`),
  unitCostVnd: z.number().int("must be a whole number of đồng").min(0, "must not be negative").max(MAX_PRICE_VND, `must be at most ${MAX_PRICE_VND}`).optional(),
  available: z.boolean().optional(),
});
/** In a patch, an explicit null clears the food cost (back to "unknown"); an omitted one is unchanged. */
const ItemPatch = ItemInput.partial().extend({ unitCostVnd: ItemInput.shape.unitCostVnd.unwrap().nullable().optional() });

const MenuCategoryInput = builder.inputType("MenuCategoryInput", {
  fields: (t) => ({ name: t.string({ required: true }), position: t.int() }),
});
const MenuCategoryPatch = builder.inputType("MenuCategoryPatch", {
  fields: (t) => ({ name: t.string(), position: t.int() }),
});
const MenuItemInput = builder.inputType("MenuItemInput", {
  fields: (t) => ({
    categoryId: t.id({ required: true }),
    name: t.string({ required: true }),
    priceVnd: t.field({ type: "Vnd", required: true }),
    unitCostVnd: t.field({ type: "Vnd", description: "Food cost per unit; enables the menu advice (margin × popularity)." }),
    available: t.boolean(),
  }),
});
const MenuItemPatch = builder.inputType("MenuItemPatch", {
  fields: (t) => ({
    categoryId: t.id(),
    name: t.string(),
    priceVnd: t.field({ type: "Vnd" }),
    unitCostVnd: t.field({ type: "Vnd", description: "Food cost per unit; null clears it (back to unknown), omitted leaves it unchanged." }),
    available: t.boolean(),
  }),
});

/** Drops keys GraphQL sent as null (meaning "leave unchanged" in a patch), except `clearable` ones, where null clears the value. */
function present<T extends Record<string, unknown>>(input: T, clearable: readonly (keyof T)[] = []): Partial<{ [K in keyof T]: NonNullable<T[K]> }> {
  return Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || clearable.includes(k)))) as never;
}

/** A menu change with its audit entry and outbox event, in one tenant transaction. */
async function changeMenu<T extends { id: string }>(ctx: CellContext, action: string, work: (tx: TransactionClient) => Promise<T>): Promise<T> {
  const { tenantId, userId } = ctx.caller;
  const { result, locationIds } = await ctx.database.transaction(tenantId, async (tx) => {
    const result = await work(tx);
    await tx.auditLogEntry.create({ data: { tenantId, actor: userId, action, entity: action.split(".")[0]!, entityId: result.id, data: JSON.parse(JSON.stringify(result)) } });
    await tx.outboxEvent.create({ data: { tenantId, topic: "menu.changed", key: result.id, payload: { action, id: result.id } } });
    const locations = await tx.location.findMany({ select: { id: true } });
    return { result, locationIds: locations.map((l) => l.id) };
  });
  // Cached dashboards show item names and prices: they must not outlive the change.
  await ctx.dashboards.menuChanged(locationIds);
  return result;
}

function duplicateName(error: unknown): never {
  if (isUniqueViolation(error)) throw badInput("input.name", "another category already has this name");
  throw error;
}

builder.queryFields((t) => ({
  menuCategories: t.prismaField({
    type: ["MenuCategory"],
    resolve: (query, _root, _args, ctx) => ctx.db.menuCategory.findMany({ ...query, orderBy: [{ position: "asc" }, { name: "asc" }] }),
  }),
  menuItems: t.prismaField({
    type: ["MenuItem"],
    args: { categoryId: t.arg.id(), includeArchived: t.arg.boolean({ defaultValue: false }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.menuItem.findMany({
        ...query,
        where: {
          ...(args.categoryId ? { categoryId: uuidArg("categoryId", args.categoryId) } : {}),
          ...(args.includeArchived ? {} : { archivedAt: null }),
        },
        orderBy: { name: "asc" },
      }),
  }),
}));

builder.mutationFields((t) => ({
  createMenuCategory: t.prismaField({
    type: "MenuCategory",
    authScopes: { manage: true },
    args: { input: t.arg({ type: MenuCategoryInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const input = parseInput(CategoryInput, present(args.input), "input");
      return changeMenu(ctx, "menu_category.created", (tx) => tx.menuCategory.create({ ...query, data: { tenantId: ctx.caller.tenantId, ...input } })).catch(duplicateName);
    },
  }),
  updateMenuCategory: t.prismaField({
    type: "MenuCategory",
    authScopes: { manage: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: MenuCategoryPatch, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = uuidArg("id", args.id);
      const input = parseInput(CategoryPatch, present(args.input), "input");
      if (!(await ctx.db.menuCategory.findUnique({ where: { id }, select: { id: true } }))) throw notFound("id", `menu category ${id}`);
      return changeMenu(ctx, "menu_category.updated", (tx) => tx.menuCategory.update({ ...query, where: { id }, data: input })).catch(duplicateName);
    },
  }),
  deleteMenuCategory: t.id({
    authScopes: { manage: true },
    args: { id: t.arg.id({ required: true }) },
    description: "Deletes an empty category; a category that still has items (even archived ones) cannot be deleted.",
    resolve: async (_root, args, ctx) => {
      const id = uuidArg("id", args.id);
      if (!(await ctx.db.menuCategory.findUnique({ where: { id }, select: { id: true } }))) throw notFound("id", `menu category ${id}`);
      await changeMenu(ctx, "menu_category.deleted", (tx) => tx.menuCategory.delete({ where: { id }, select: { id: true } })).catch((error: unknown) => {
        if (isForeignKeyViolation(error)) throw badInput("id", "the category still has menu items; move or archive them first");
        throw error;
      });
      return id;
    },
  }),
  createMenuItem: t.prismaField({
    type: "MenuItem",
    authScopes: { manage: true },
    args: { input: t.arg({ type: MenuItemInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const input = parseInput(ItemInput, present(args.input), "input");
      if (!(await ctx.db.menuCategory.findUnique({ where: { id: input.categoryId }, select: { id: true } }))) throw badInput("input.categoryId", "no such menu category");
      return changeMenu(ctx, "menu_item.created", (tx) => tx.menuItem.create({ ...query, data: { tenantId: ctx.caller.tenantId, ...input } }));
    },
  }),
  updateMenuItem: t.prismaField({
    type: "MenuItem",
    authScopes: { manage: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: MenuItemPatch, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = uuidArg("id", args.id);
      const input = parseInput(ItemPatch, present(args.input, ["unitCostVnd"]), "input");
      if (!(await ctx.db.menuItem.findUnique({ where: { id }, select: { id: true } }))) throw notFound("id", `menu item ${id}`);
      if (input.categoryId && !(await ctx.db.menuCategory.findUnique({ where: { id: input.categoryId }, select: { id: true } }))) {
        throw badInput("input.categoryId", "no such menu category");
      }
      return changeMenu(ctx, "menu_item.updated", (tx) => tx.menuItem.update({ ...query, where: { id }, data: input }));
    },
  }),
  archiveMenuItem: t.prismaField({
    type: "MenuItem",
    authScopes: { manage: true },
    args: { id: t.arg.id({ required: true }) },
    description: "Takes an item off the menu; its sales history stays.",
    resolve: async (query, _root, args, ctx) => {
      const id = uuidArg("id", args.id);
      if (!(await ctx.db.menuItem.findUnique({ where: { id }, select: { id: true } }))) throw notFound("id", `menu item ${id}`);
      return changeMenu(ctx, "menu_item.archived", (tx) => tx.menuItem.update({ ...query, where: { id }, data: { archivedAt: new Date(), available: false } }));
    },
  }),
}));
