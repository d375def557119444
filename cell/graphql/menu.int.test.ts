import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestCell, type Member, type TestCell } from "../testing/cell.js";

const owner: Member = { tenant: "com-tam", role: "owner" };
const manager: Member = { tenant: "com-tam", role: "manager" };
const staff: Member = { tenant: "com-tam", role: "staff" };
const otherOwner: Member = { tenant: "banh-mi", role: "owner" };

const CREATE_CATEGORY = "mutation($input: MenuCategoryInput!) { createMenuCategory(input: $input) { id name position } }";
const CREATE_ITEM = "mutation($input: MenuItemInput!) { createMenuItem(input: $input) { id name priceVnd available archived category { name } } }";
const MENU = "{ menuCategories { name items { name priceVnd } } }";

describe("Given a tenant's menu", () => {
  let cell: TestCell;
  let categoryId: string;

  beforeAll(async () => {
    cell = await startTestCell("menu");
    await cell.provision({ slug: "com-tam" });
    await cell.provision({ slug: "banh-mi" });
    const data = await cell.ok<{ createMenuCategory: { id: string } }>(owner, CREATE_CATEGORY, { input: { name: "Cơm", position: 1 } });
    categoryId = data.createMenuCategory.id;
  });
  afterAll(() => cell.close());

  it("lets owners and managers create items with VND prices, and everyone read them", async () => {
    const created = await cell.ok<{ createMenuItem: unknown }>(manager, CREATE_ITEM, { input: { categoryId, name: "Cơm sườn", priceVnd: 45_000 } });
    expect(created.createMenuItem).toMatchObject({ name: "Cơm sườn", priceVnd: 45_000, available: true, archived: false, category: { name: "Cơm" } });
    expect(await cell.ok(staff, MENU)).toEqual({ menuCategories: [{ name: "Cơm", items: [{ name: "Cơm sườn", priceVnd: 45_000 }] }] });
  });

  it("keeps an item's food cost, shown to owners and managers only, and updatable", async () => {
    const CREATE = "mutation($input: MenuItemInput!) { createMenuItem(input: $input) { id unitCostVnd } }";
    const { createMenuItem: item } = await cell.ok<{ createMenuItem: { id: string; unitCostVnd: number | null } }>(owner, CREATE, { input: { categoryId, name: "Cơm tấm bì", priceVnd: 40_000, unitCostVnd: 18_000 } });
    expect(item.unitCostVnd).toBe(18_000);
    const updated = await cell.ok<{ updateMenuItem: { unitCostVnd: number } }>(manager, "mutation($id: ID!) { updateMenuItem(id: $id, input: { unitCostVnd: 19500 }) { unitCostVnd } }", { id: item.id });
    expect(updated.updateMenuItem.unitCostVnd).toBe(19_500);
    const COSTS = "{ menuItems { name unitCostVnd } }";
    expect((await cell.ok<{ menuItems: { name: string; unitCostVnd: number | null }[] }>(owner, COSTS)).menuItems).toContainEqual({ name: "Cơm tấm bì", unitCostVnd: 19_500 });
    expect((await cell.gql(staff, COSTS)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const negative = await cell.gql(owner, CREATE, { input: { categoryId, name: "Y", priceVnd: 1, unitCostVnd: -5 } });
    expect(negative.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.unitCostVnd" });
    await cell.ok(owner, "mutation($id: ID!) { archiveMenuItem(id: $id) { id } }", { id: item.id });
  });

  it("clears a food cost sent as null and keeps one that is left out", async () => {
    const { createMenuItem: item } = await cell.ok<{ createMenuItem: { id: string } }>(owner, CREATE_ITEM, { input: { categoryId, name: "Cơm chiên", priceVnd: 35_000 } });
    const UPDATE = "mutation($id: ID!, $input: MenuItemPatch!) { updateMenuItem(id: $id, input: $input) { priceVnd unitCostVnd } }";
    type Updated = { updateMenuItem: { priceVnd: number; unitCostVnd: number | null } };
    await cell.ok(owner, UPDATE, { id: item.id, input: { unitCostVnd: 20_000 } });
    expect((await cell.ok<Updated>(owner, UPDATE, { id: item.id, input: { priceVnd: 36_000 } })).updateMenuItem).toEqual({ priceVnd: 36_000, unitCostVnd: 20_000 });
    expect((await cell.ok<Updated>(owner, UPDATE, { id: item.id, input: { unitCostVnd: null } })).updateMenuItem).toEqual({ priceVnd: 36_000, unitCostVnd: null });
    const literal = await cell.ok<Updated>(manager, "mutation($id: ID!) { updateMenuItem(id: $id, input: { unitCostVnd: 21000 }) { unitCostVnd } }", { id: item.id });
    expect(literal.updateMenuItem.unitCostVnd).toBe(21_000);
    const cleared = await cell.ok<Updated>(manager, "mutation($id: ID!) { updateMenuItem(id: $id, input: { unitCostVnd: null }) { unitCostVnd } }", { id: item.id });
    expect(cleared.updateMenuItem.unitCostVnd).toBeNull();
    // Null still means "unchanged" for the columns that cannot be empty.
    const { updateMenuItem: kept } = await cell.ok<{ updateMenuItem: { name: string; priceVnd: number } }>(owner, "mutation($id: ID!) { updateMenuItem(id: $id, input: { name: null, priceVnd: null }) { name priceVnd } }", { id: item.id });
    expect(kept).toEqual({ name: "Cơm chiên", priceVnd: 36_000 });
    await cell.ok(owner, "mutation($id: ID!) { archiveMenuItem(id: $id) { id } }", { id: item.id });
  });

  it("refuses menu changes by staff with FORBIDDEN", async () => {
    const r = await cell.gql(staff, CREATE_ITEM, { input: { categoryId, name: "Cơm gà", priceVnd: 40_000 } });
    expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(r.data).toBeNull();
  });

  it("names the field of bad input", async () => {
    const negative = await cell.gql(owner, CREATE_ITEM, { input: { categoryId, name: "X", priceVnd: -1 } });
    expect(negative.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.priceVnd" });
    const empty = await cell.gql(owner, CREATE_ITEM, { input: { categoryId, name: "  ", priceVnd: 1 } });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    const badCategory = await cell.gql(owner, CREATE_ITEM, { input: { categoryId: "not-a-uuid", name: "X", priceVnd: 1 } });
    expect(badCategory.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.categoryId" });
    const nul = await cell.gql(owner, CREATE_ITEM, { input: { categoryId, name: "Cơm\u0000", priceVnd: 1 } });
    expect(nul.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    const nulCategory = await cell.gql(owner, CREATE_CATEGORY, { input: { name: "\u0000" } });
    expect(nulCategory.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    const duplicate = await cell.gql(owner, CREATE_CATEGORY, { input: { name: "Cơm" } });
    expect(duplicate.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
  });

  it("updates and archives items; archived items leave the menu but stay listable", async () => {
    const { createMenuItem } = await cell.ok<{ createMenuItem: { id: string } }>(owner, CREATE_ITEM, { input: { categoryId, name: "Canh chua", priceVnd: 30_000 } });
    const updated = await cell.ok<{ updateMenuItem: unknown }>(owner, "mutation($id: ID!) { updateMenuItem(id: $id, input: { priceVnd: 35000, available: false }) { priceVnd available } }", { id: createMenuItem.id });
    expect(updated.updateMenuItem).toEqual({ priceVnd: 35_000, available: false });
    await cell.ok(owner, "mutation($id: ID!) { archiveMenuItem(id: $id) { archived } }", { id: createMenuItem.id });
    const listed = await cell.ok<{ menuItems: { name: string }[]; all: { name: string; archived: boolean }[] }>(
      owner,
      "{ menuItems { name } all: menuItems(includeArchived: true) { name archived } }",
    );
    expect(listed.menuItems.map((i) => i.name)).not.toContain("Canh chua");
    expect(listed.all).toContainEqual({ name: "Canh chua", archived: true });
  });

  it("renames categories and deletes only empty ones", async () => {
    const { createMenuCategory } = await cell.ok<{ createMenuCategory: { id: string } }>(owner, CREATE_CATEGORY, { input: { name: "Đồ uống" } });
    const renamed = await cell.ok<{ updateMenuCategory: unknown }>(manager, "mutation($id: ID!) { updateMenuCategory(id: $id, input: { name: \"Nước\" }) { name } }", { id: createMenuCategory.id });
    expect(renamed.updateMenuCategory).toEqual({ name: "Nước" });
    const full = await cell.gql(owner, "mutation($id: ID!) { deleteMenuCategory(id: $id) }", { id: categoryId });
    expect(full.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
    expect(await cell.ok(owner, "mutation($id: ID!) { deleteMenuCategory(id: $id) }", { id: createMenuCategory.id })).toEqual({ deleteMenuCategory: createMenuCategory.id });
  });

  it("records every menu change in the audit log and the outbox", async () => {
    const { rows } = await cell.db.admin.query(`select action from ${cell.db.schema}.audit_log where action like 'menu%' order by id`);
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(["menu_category.created", "menu_item.created", "menu_item.updated", "menu_item.archived", "menu_category.deleted"]));
    const events = await cell.db.admin.query(`select count(*)::int as n from ${cell.db.schema}.outbox where topic = 'menu.changed'`);
    expect(events.rows[0].n).toBe(rows.length);
  });

  it("keeps each tenant's menu to itself: ids of another tenant's items are not found", async () => {
    expect(await cell.ok(otherOwner, MENU)).toEqual({ menuCategories: [] });
    const r = await cell.gql(otherOwner, "mutation($id: ID!) { updateMenuCategory(id: $id, input: { name: \"hijack\" }) { name } }", { id: categoryId });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "id" });
    const item = await cell.gql(otherOwner, CREATE_ITEM, { input: { categoryId, name: "X", priceVnd: 1 } });
    expect(item.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.categoryId" });
  });
});
