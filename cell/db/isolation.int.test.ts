// Row-level security is the last line of defence: even a resolver that forgets a tenant filter,
// or raw SQL sent through the API's own role, sees and writes only the current tenant's rows.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { provisionTenant } from "../provisioning/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { createDatabase, type Database } from "./index.js";

const TABLES = [
  "tenants",
  "locations",
  "staff_members",
  "menu_categories",
  "menu_items",
  "orders",
  "order_lines",
  "payments",
  "recommendations",
  "audit_log",
  "outbox",
  "location_hourly_sales",
  "location_item_daily_sales",
];

describe("Given two tenants in one cell", () => {
  let cell: TestCellDatabase;
  let db: Database;
  let api: pg.Client;
  const ids: Record<"a" | "b", { tenant: string; location: string; item: string }> = {} as never;

  async function seed(slug: string): Promise<{ tenant: string; location: string; item: string }> {
    const { tenantId } = await provisionTenant(cell.admin, cell.cellName, {
      slug,
      displayName: slug,
      plan: "starter",
      owner: { phone: "+84900000009", name: "Owner" },
      locations: [{ name: "Main" }],
    });
    return db.sql(tenantId, async (c) => {
      const location = (await c.query("select id from locations")).rows[0].id;
      const category = (await c.query("insert into menu_categories (tenant_id, name) values ($1, 'Phở') returning id", [tenantId])).rows[0].id;
      const item = (await c.query("insert into menu_items (tenant_id, category_id, name, price_vnd) values ($1, $2, 'Phở bò', 50000) returning id", [tenantId, category])).rows[0].id;
      const order = (
        await c.query(
          "insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, local_date, local_hour) values ($1, $2, 'k', 'h', 'dine_in', 'cash', 50000, current_date, 0) returning id",
          [tenantId, location],
        )
      ).rows[0].id;
      await c.query("insert into order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd) values ($1, $2, $3, 'Phở bò', 1, 50000, 50000)", [tenantId, order, item]);
      await c.query("insert into payments (tenant_id, order_id, method, amount_vnd) values ($1, $2, 'cash', 50000)", [tenantId, order]);
      await c.query("insert into recommendations (tenant_id, kind, title) values ($1, 'menu', 'x')", [tenantId]);
      await c.query("insert into audit_log (tenant_id, actor, action, entity) values ($1, 'test', 'seeded', 'tenant')", [tenantId]);
      return { tenant: tenantId, location, item };
    });
  }

  beforeAll(async () => {
    cell = await createTestCellDatabase("iso");
    db = createDatabase({ connectionString: cell.roleUrl, schema: cell.schema, poolSize: 4 });
    ids.a = await seed("tenant-a");
    ids.b = await seed("tenant-b");
    api = new pg.Client({ connectionString: cell.roleUrl });
    await api.connect();
  });
  afterAll(async () => {
    await api.end();
    await db.close();
    await cell.drop();
  });

  it("reads one snapshot across statements when asked to (figures), and the latest commit otherwise", async () => {
    const count = (c: pg.ClientBase) => c.query("select count(*)::int as n from audit_log").then((r) => r.rows[0].n as number);
    const commitOneMore = () => db.sql(ids.a.tenant, (c) => c.query("insert into audit_log (tenant_id, actor, action, entity) values ($1, 'test', 'between', 'tenant')", [ids.a.tenant]));
    const [first, second] = await db.sql(ids.a.tenant, async (c) => [await count(c), (await commitOneMore(), await count(c))], { snapshot: true });
    expect(second).toBe(first);
    const [before, after] = await db.sql(ids.a.tenant, async (c) => [await count(c), (await commitOneMore(), await count(c))]);
    expect(after).toBe(before + 1);
  });

  it("shows the API role no row of any table when no tenant is set", async () => {
    for (const table of TABLES) {
      const { rows } = await api.query(`select count(*)::int as n from ${table}`);
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });

  it("shows raw SQL through the API role only the current tenant's rows, in every table", async () => {
    await api.query("begin");
    try {
      await api.query("select set_config('app.tenant_id', $1, true)", [ids.a.tenant]);
      for (const table of TABLES) {
        const column = table === "tenants" ? "id" : "tenant_id";
        const { rows } = await api.query(`select distinct ${column}::text as t from ${table}`);
        expect({ table, tenants: rows.map((r) => r.t) }).toEqual({ table, tenants: [ids.a.tenant] });
      }
      // A query that names tenant B's row directly still finds nothing.
      expect((await api.query("select * from locations where id = $1", [ids.b.location])).rowCount).toBe(0);
    } finally {
      await api.query("rollback");
    }
  });

  it("refuses writes of another tenant's rows, and updates or deletes cannot reach them", async () => {
    await api.query("begin");
    try {
      await api.query("select set_config('app.tenant_id', $1, true)", [ids.a.tenant]);
      await expect(api.query("insert into menu_categories (tenant_id, name) values ($1, 'sneaky')", [ids.b.tenant])).rejects.toThrow(/row-level security/);
    } finally {
      await api.query("rollback");
    }
    await api.query("begin");
    try {
      await api.query("select set_config('app.tenant_id', $1, true)", [ids.a.tenant]);
      expect((await api.query("update menu_items set price_vnd = 1")).rowCount).toBe(1);
      expect((await api.query("delete from order_lines")).rowCount).toBe(1);
    } finally {
      await api.query("rollback");
    }
  });

  it("refuses a row that references another tenant's row, even though foreign-key checks bypass RLS", async () => {
    await expect(
      db.sql(ids.a.tenant, (c) =>
        c.query("insert into menu_items (tenant_id, category_id, name, price_vnd) values ($1, (select gen_random_uuid()), 'x', 1)", [ids.a.tenant]),
      ),
    ).rejects.toThrow(/foreign key/);
    await expect(
      db.sql(ids.a.tenant, (c) =>
        c.query(
          "insert into orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, local_date, local_hour) values ($1, $2, 'x', 'h', 'dine_in', 'cash', 1, current_date, 0)",
          [ids.a.tenant, ids.b.location],
        ),
      ),
    ).rejects.toThrow(/not found|foreign key/);
  });

  it("keeps a Prisma query that forgets the tenant filter inside the tenant", async () => {
    const items = await db.forTenant(ids.a.tenant).menuItem.findMany();
    expect(items.map((i) => i.id)).toEqual([ids.a.item]);
    const unscoped = await db.prisma.menuItem.findMany();
    expect(unscoped).toEqual([]);
  });

  it("does not leak the tenant setting to the next user of a pooled connection", async () => {
    await db.sql(ids.a.tenant, async () => {});
    const client = await db.pool.connect();
    try {
      expect((await client.query("select count(*)::int as n from orders")).rows[0].n).toBe(0);
    } finally {
      client.release();
    }
  });

  it("lets the API role neither rewrite the audit log nor touch the migrations table", async () => {
    await expect(db.sql(ids.a.tenant, (c) => c.query("delete from audit_log"))).rejects.toThrow(/permission denied/);
    await expect(db.sql(ids.a.tenant, (c) => c.query("update audit_log set actor = 'x'"))).rejects.toThrow(/permission denied/);
    await expect(api.query("select * from _prisma_migrations")).rejects.toThrow(/permission denied/);
  });
});
