// Imports the real development data set (../shared/data/pizza_sales.csv) and a deliberately messy
// export, then checks the dashboards against an independent computation from the file.
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { loadSalesFigures } from "../dashboards/index.js";
import { provisionTenant } from "../provisioning/index.js";
import { adminUrl, createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { importSales, type ImportOptions } from "./index.js";

const PIZZA = resolve(import.meta.dirname, "..", "..", "..", "shared", "data", "pizza_sales.csv");

/** Written without the importer's code: per local day, revenue (VND, prices x1000) and orders. */
function independentDailyFigures(): Map<string, { revenue: number; orders: Set<string> }> {
  const days = new Map<string, { revenue: number; orders: Set<string> }>();
  const lines = readFileSync(PIZZA, "utf8").split(/\r?\n/).slice(1).filter(Boolean);
  for (const line of lines) {
    const [, orderId, , qty, date, , price] = line.split(";");
    const [d, m, y] = date!.split(/[/-]/).map(Number);
    const key = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
    const day = days.get(key) ?? { revenue: 0, orders: new Set<string>() };
    day.revenue += Number(qty) * Math.round(Number(price!.replace(",", ".")) * 1000);
    day.orders.add(orderId!);
    days.set(key, day);
  }
  return days;
}

describe("Given a tenant with a location in Vietnam", () => {
  let cell: TestCellDatabase;
  let pool: pg.Pool;
  let tenantId: string;
  let base: Omit<ImportOptions, "file" | "location">;
  const work = mkdtempSync(join(tmpdir(), "lsp-import-"));

  beforeAll(async () => {
    cell = await createTestCellDatabase("imp");
    ({ tenantId } = await provisionTenant(cell.admin, cell.cellName, {
      slug: "pizza-demo",
      displayName: "Pizza Demo",
      plan: "growth",
      owner: { phone: "+84900000009", name: "Owner" },
      locations: [{ name: "Main" }, { name: "Messy" }, { name: "Dry" }, { name: "Resumed" }],
    }));
    pool = new pg.Pool({ connectionString: cell.roleUrl, max: 3 });
    base = { pool, schema: cell.schema, tenant: "pizza-demo" };
  });
  afterAll(async () => {
    await pool?.end();
    await cell?.drop();
  });

  const locationId = async (name: string) =>
    (await cell.admin.query<{ id: string }>(`select id from ${cell.admin.escapeIdentifier(cell.schema)}.locations where name = $1`, [name])).rows[0]!.id;
  const figures = async (location: string, from: string, to: string) => {
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
      return await loadSalesFigures(client, await locationId(location), from, to);
    } finally {
      await client.query("rollback");
      client.release();
    }
  };

  describe("when pizza_sales.csv is imported (';', decimal comma, BOM, mixed day-first dates)", () => {
    let progress = 0;
    let report: Awaited<ReturnType<typeof importSales>>;
    beforeAll(async () => {
      report = await importSales({ ...base, file: PIZZA, location: "Main", priceMultiplier: 1000, onProgress: () => progress++ });
    }, 120_000);

    it("imports every line and order, detecting the format", () => {
      expect(report.detected).toEqual({ delimiter: ";", decimalMark: ",", dateOrder: "dmy" });
      expect(report).toMatchObject({ lines: 48_620, linesImported: 48_620, ordersImported: 21_350, ordersSkipped: 0, menuItemsCreated: 91, rejected: [] });
      expect(progress).toBeGreaterThan(0);
    });

    it("gives dashboards that match an independent computation from the file, day by day", async () => {
      const expected = independentDailyFigures();
      const year = await figures("Main", "2015-01-01", "2015-12-31");
      const actual = new Map(year.daily.filter((d) => d.orders > 0).map((d) => [d.date, d]));
      expect(actual.size).toBe(358);
      for (const [date, day] of expected) expect([date, actual.get(date)?.revenue, actual.get(date)?.orders]).toEqual([date, day.revenue, day.orders.size]);
      expect(year.revenue).toBe([...expected.values()].reduce((s, d) => s + d.revenue, 0));
    });

    it("gives top items that match the file's quantities and revenue per item", async () => {
      const expected = new Map<string, { quantity: number; revenue: number }>();
      for (const line of readFileSync(PIZZA, "utf8").split(/\r?\n/).slice(1).filter(Boolean)) {
        const [, , item, qty, , , price] = line.split(";");
        const e = expected.get(item!) ?? { quantity: 0, revenue: 0 };
        e.quantity += Number(qty);
        e.revenue += Number(qty) * Math.round(Number(price!.replace(",", ".")) * 1000);
        expected.set(item!, e);
      }
      const s = cell.admin.escapeIdentifier(cell.schema);
      const names = new Map((await cell.admin.query<{ id: string; name: string }>(`select id, name from ${s}.menu_items`)).rows.map((r) => [r.id, r.name]));
      const year = await figures("Main", "2015-01-01", "2015-12-31");
      const actual = new Map(year.items.map((i) => [names.get(i.menuItemId)!, { quantity: i.quantity, revenue: i.revenue }]));
      expect(actual).toEqual(expected);
    });

    it("imports nothing twice when the same file is imported again", async () => {
      const before = await figures("Main", "2015-01-01", "2015-12-31");
      const again = await importSales({ ...base, file: PIZZA, location: "Main", priceMultiplier: 1000 });
      expect(again).toMatchObject({ ordersImported: 0, ordersSkipped: 21_350, linesImported: 0, menuItemsCreated: 0 });
      expect((await figures("Main", "2015-01-01", "2015-12-31")).revenue).toBe(before.revenue);
    }, 120_000);
  });

  it("finishes an import cut off mid-batch when run again: every order once, revenue as in the file", async () => {
    // The connection fails on one statement deep in the import, inside a batch's transaction, as
    // when Ctrl-C stops the local platform's Postgres under the demo import.
    let statements = 0;
    const failAt = 40;
    const cut = {
      connect: async () => {
        const client = await pool.connect();
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        return Object.assign(Object.create(client) as pg.PoolClient, {
          query: (...args: unknown[]) => (++statements === failAt ? Promise.reject(new Error("connection terminated")) : query(...args)),
          release: (error?: Error | boolean) => client.release(error),
        });
      },
      query: (...args: unknown[]) => (pool.query as (...a: unknown[]) => Promise<unknown>)(...args),
    } as unknown as pg.Pool;
    await expect(importSales({ ...base, pool: cut, file: PIZZA, location: "Resumed", priceMultiplier: 1000, batchSize: 1000 })).rejects.toThrow("connection terminated");
    expect(statements).toBe(failAt + 1); // the failed statement, then the rollback

    const rest = await importSales({ ...base, file: PIZZA, location: "Resumed", priceMultiplier: 1000 });
    expect(rest.ordersSkipped).toBeGreaterThan(0); // batches committed before the cut stay
    expect(rest.ordersImported + rest.ordersSkipped).toBe(21_350);
    const expected = independentDailyFigures();
    const year = await figures("Resumed", "2015-01-01", "2015-12-31");
    expect(year.revenue).toBe([...expected.values()].reduce((s, d) => s + d.revenue, 0));
    expect(year.orders).toBe([...expected.values()].reduce((s, d) => s + d.orders.size, 0));
  }, 240_000);

  it("reports bad lines by number and reason without stopping, with a column map", async () => {
    const file = join(work, "messy.csv");
    writeFileSync(
      file,
      [
        "\ufeffSố HĐ,Món,SL,Ngày,Giờ,Đơn giá",
        "A1,Phở bò,2,2024-03-05,12:30,55000",
        "A1,Trà đá,2,2024-03-05,12:30,5000",
        "A2,Phở gà,1,31/02/2024,13:00,50000",
        "A3,Phở gà,x,2024-03-05,13:10,50000",
        "A4,Bún chả,1,2024-03-05,25:00,45000",
        "A5,Bún chả,1,2024-03-05,18:00",
        'A6,"Cơm, sườn",1,2024-03-05,19:00,60000',
        "A1,Trà đá,1,2024-03-05,19:30,5000",
        "",
      ].join("\r\n"),
    );
    const report = await importSales({ ...base, file, location: "Messy", map: "orderId=Số HĐ,item=Món,quantity=SL,date=Ngày,time=Giờ,unitPrice=Đơn giá" });
    expect(report.rejected).toEqual([
      { line: 4, reason: expect.stringContaining("not a calendar date") },
      { line: 5, reason: "quantity 'x' is not a positive whole number" },
      { line: 6, reason: expect.stringContaining("not a time of day") },
      { line: 7, reason: "has 5 fields, the header has 6" },
      { line: 9, reason: expect.stringContaining("must be consecutive") },
    ]);
    expect(report).toMatchObject({ ordersImported: 2, linesImported: 3 });
    const day = await figures("Messy", "2024-03-05", "2024-03-05");
    expect(day).toMatchObject({ revenue: 2 * 55_000 + 2 * 5_000 + 60_000, orders: 2 });
    expect(day.hourly[12]).toEqual({ hour: 12, revenue: 120_000, orders: 1 });
  });

  it("writes nothing in a dry run but reports what it would import", async () => {
    const before = await figures("Dry", "2015-01-01", "2015-12-31");
    const report = await importSales({ ...base, file: PIZZA, location: "Dry", priceMultiplier: 1000, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, ordersImported: 21_350, rejected: [] });
    expect(await figures("Dry", "2015-01-01", "2015-12-31")).toEqual(before);
  }, 120_000);

  it("runs as a CLI: a dry run prints the JSON report, a wrong location exits 1 naming the option", () => {
    const file = join(work, "cli.csv");
    writeFileSync(file, "order_id;item;quantity;order_date;order_time;unit_price\nB1;Phở;2;05/03/2024;08:15;45.000\nB2;Phở;1;31/13/2024;08:20;45.000\n");
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "main.ts"), "--file", file, "--tenant", "pizza-demo", ...args], {
        env: { ...process.env, NODE_OPTIONS: "", DATABASE_URL: cell.roleUrl, CELL_SCHEMA: cell.schema },
        encoding: "utf8",
      });
    const dry = cli("--location", "Messy", "--dry-run");
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, lines: 2, ordersImported: 1, rejected: 1, detected: { delimiter: ";", decimalMark: ",", dateOrder: "dmy" } });
    expect(dry.stderr).toContain("line 3: date '31/13/2024' is not a calendar date");
    const wrong = cli("--location", "Nowhere");
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("error: --location: 'Nowhere' is not a location of 'pizza-demo'");
  }, 60_000);

  it("invalidates the location's cached dashboards after a CLI import", async () => {
    const redisUrl = process.env.REDIS_URL;
    if (!redisUrl) throw new Error("REDIS_URL is not set: run with LSP_TEST_SERVICES including redis");
    const { Redis } = await import("ioredis");
    const redis = new Redis(redisUrl);
    const location = await locationId("Dry");
    const versionKey = `lsp:${cell.schema}:dash-version:${location}`;
    try {
      const before = Number((await redis.get(versionKey)) ?? 0);
      const file = join(work, "cache.csv");
      writeFileSync(file, "order_id,item,quantity,order_date,order_time,unit_price\nC1,Bún,1,2024-03-06,09:00,40000\n");
      const run = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "main.ts"), "--file", file, "--tenant", "pizza-demo", "--location", "Dry"], {
        env: { ...process.env, NODE_OPTIONS: "", DATABASE_URL: cell.roleUrl, CELL_SCHEMA: cell.schema, REDIS_URL: redisUrl },
        encoding: "utf8",
      });
      expect([run.status, run.stderr.includes("warning")]).toEqual([0, false]);
      expect(Number(await redis.get(versionKey))).toBe(before + 1);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it("names the tenant and location options when they are wrong", async () => {
    await expect(importSales({ ...base, file: PIZZA, location: "Nowhere" })).rejects.toThrow(/--location: 'Nowhere' is not a location of 'pizza-demo' \(locations: Dry/);
    await expect(importSales({ ...base, tenant: "nobody", file: PIZZA, location: "Main" })).rejects.toThrow(/--tenant: no tenant 'nobody'/);
  });
  it("keeps to its tenant when run as the platform admin (no row-level security) in a cell shared with another tenant", async () => {
    const s = cell.admin.escapeIdentifier(cell.schema);
    // The other tenant has a location of the same name and an older menu item the file names.
    const other = await provisionTenant(cell.admin, cell.cellName, {
      slug: "other-shop",
      displayName: "Other Shop",
      plan: "growth",
      owner: { phone: "+84900000010", name: "Other owner" },
      locations: [{ name: "Admin run" }],
    });
    const category = await cell.admin.query<{ id: string }>(`insert into ${s}.menu_categories (tenant_id, name, position) values ($1, 'Pizza', 1) returning id`, [other.tenantId]);
    await cell.admin.query(`insert into ${s}.menu_items (tenant_id, category_id, name, price_vnd, created_at) values ($1, $2, 'hawaiian_m', 1000, '2000-01-01')`, [other.tenantId, category.rows[0]!.id]);
    await cell.admin.query(`insert into ${s}.locations (tenant_id, name) values ($1, 'Admin run')`, [tenantId]);
    const file = join(work, "first-orders.csv");
    writeFileSync(file, readFileSync(PIZZA, "utf8").split(/\r?\n/).slice(0, 41).join("\n") + "\n");

    const admin = new pg.Pool({ connectionString: adminUrl(), max: 2 });
    try {
      const report = await importSales({ ...base, pool: admin, file, location: "Admin run", priceMultiplier: 1000 });
      expect(report).toMatchObject({ linesImported: 40, rejected: [] });
    } finally {
      await admin.end();
    }
    const counts = await cell.admin.query<{ mine: string; theirs: string; crossed: string }>(
      `select (select count(*) from ${s}.orders o join ${s}.locations l on l.id = o.location_id where l.name = 'Admin run' and o.tenant_id = $1) as mine,
              (select count(*) from ${s}.orders where tenant_id = $2) as theirs,
              (select count(*) from ${s}.order_lines ol join ${s}.menu_items mi on mi.id = ol.menu_item_id where ol.tenant_id <> mi.tenant_id) as crossed`,
      [tenantId, other.tenantId],
    );
    expect(Number(counts.rows[0]!.mine)).toBeGreaterThan(0);
    expect(counts.rows[0]).toMatchObject({ theirs: "0", crossed: "0" });
  });
});
