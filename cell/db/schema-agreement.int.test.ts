// Proves the hand-written SQL migrations and schema.prisma describe the same tables: every model
// is written and read back through the generated client, as the cell API's role, against a
// freshly migrated schema. A column Prisma knows but the SQL lacks (or a type mismatch) fails here.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { provisionTenant } from "../provisioning/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { createDatabase, Prisma, type Database } from "./index.js";

describe("Given a freshly migrated cell schema and the generated Prisma client", () => {
  let cell: TestCellDatabase;
  let db: Database;
  let tenantId: string;

  beforeAll(async () => {
    cell = await createTestCellDatabase("agree");
    ({ tenantId } = await provisionTenant(cell.admin, cell.cellName, {
      slug: "com-tam",
      displayName: "Cơm Tấm",
      plan: "starter",
      owner: { phone: "+84900000001", name: "Anh Minh" },
      locations: [{ name: "Quận 1" }],
    }));
    db = createDatabase({ connectionString: cell.roleUrl, schema: cell.schema, poolSize: 4 });
  });
  afterAll(async () => {
    await db.close();
    await cell.drop();
  });

  it("reads and writes every model through the client", async () => {
    const t = db.forTenant(tenantId);
    const tenant = await t.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(tenant).toMatchObject({ slug: "com-tam", status: "active", archivedAt: null });
    const location = await t.location.findFirstOrThrow({ where: { tenantId } });
    expect(location.timezone).toBe("Asia/Ho_Chi_Minh");
    const staff = await t.staffMember.create({ data: { tenantId, phone: "+84900000002", name: "Hoa", role: "staff", locationIds: [location.id] } });
    expect(staff.locationIds).toEqual([location.id]);
    const category = await t.menuCategory.create({ data: { tenantId, name: "Cơm", position: 1 } });
    const item = await t.menuItem.create({ data: { tenantId, categoryId: category.id, name: "Cơm sườn", priceVnd: 45_000 } });
    expect(item.available).toBe(true);

    const order = await db.transaction(tenantId, async (tx) => {
      const o = await tx.order.create({
        data: {
          tenantId,
          locationId: location.id,
          idempotencyKey: "k1",
          requestHash: "h",
          channel: "dine_in",
          paymentMethod: "cash",
          totalVnd: 90_000n,
          orderedAt: new Date("2026-01-01T17:30:00Z"),
          // Overwritten by the trigger from the location's time zone.
          localDate: new Date("2000-01-01"),
          localHour: 0,
        },
      });
      await tx.orderLine.create({ data: { tenantId, orderId: o.id, menuItemId: item.id, itemName: item.name, quantity: 2, unitPriceVnd: 45_000, lineTotalVnd: 90_000n } });
      await tx.payment.create({ data: { tenantId, orderId: o.id, method: "cash", amountVnd: 90_000n } });
      return o;
    });
    // 17:30 UTC is 00:30 the next day in Ho Chi Minh City (UTC+7).
    expect(order.localDate.toISOString().slice(0, 10)).toBe("2026-01-02");
    expect(order.localHour).toBe(0);
    const full = await t.order.findUniqueOrThrow({ where: { id: order.id }, include: { lines: { include: { menuItem: true } }, payments: true, location: true } });
    expect(full.lines[0]).toMatchObject({ quantity: 2, lineTotalVnd: 90_000n, menuItem: { name: "Cơm sườn" } });
    expect(full.payments[0]).toMatchObject({ amountVnd: 90_000n, status: "succeeded" });

    const hourly = await t.locationHourlySales.findMany({ where: { locationId: location.id } });
    expect(hourly).toEqual([{ tenantId, locationId: location.id, localDate: new Date("2026-01-02"), hour: 0, revenueVnd: 90_000n, orders: 1 }]);
    const items = await t.locationItemDailySales.findMany({ where: { locationId: location.id } });
    expect(items).toEqual([{ tenantId, locationId: location.id, localDate: new Date("2026-01-02"), menuItemId: item.id, quantity: 2n, revenueVnd: 90_000n }]);

    const rec = await t.recommendation.create({ data: { tenantId, locationId: location.id, kind: "menu", title: "Add trà đá", payload: { lift: 0.1 } } });
    expect(await t.recommendation.update({ where: { id: rec.id }, data: { status: "approved", decidedAt: new Date(), decidedBy: "owner" } })).toMatchObject({ status: "approved" });
    const audit = await t.auditLogEntry.create({ data: { tenantId, actor: "test", action: "menu.created", entity: "menu_item", entityId: item.id, data: { price: 45_000 } } });
    expect(typeof audit.id).toBe("bigint");
    const event = await t.outboxEvent.create({ data: { tenantId, topic: "order.created", key: order.id, payload: { orderId: order.id } } });
    expect(event.publishedAt).toBeNull();
  });

  it("has rows for every model of schema.prisma, each readable with all its columns (a new model needs a case above)", async () => {
    const t = db.forTenant(tenantId) as unknown as Record<string, { findMany(): Promise<unknown[]> }>;
    const empty: string[] = [];
    for (const model of Object.values(Prisma.ModelName)) {
      const delegate = t[model[0]!.toLowerCase() + model.slice(1)]!;
      if ((await delegate.findMany()).length === 0) empty.push(model);
    }
    expect(empty).toEqual([]);
  });
});
