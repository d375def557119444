// Seeds a cell schema with a chain's history straight in SQL (as the admin, through the same
// triggers that maintain the dashboard aggregates), so a year of sales takes a minute, not hours.
import type pg from "pg";

export interface SeedOptions {
  tenantId: string;
  locationIds: string[];
  days: number;
  ordersPerDay: number;
  menuItems: number;
  log: (message: string) => void;
}

export interface SeededMenu {
  itemIds: string[];
}

export async function seedMenu(admin: pg.ClientBase, schema: string, tenantId: string, count: number): Promise<SeededMenu> {
  const s = admin.escapeIdentifier(schema);
  const categories = ["Phở", "Bún", "Cơm", "Bánh", "Đồ uống"];
  const itemIds: string[] = [];
  for (const [c, name] of categories.entries()) {
    const { rows } = await admin.query(`insert into ${s}.menu_categories (tenant_id, name, position) values ($1, $2, $3) returning id`, [tenantId, name, c]);
    for (let i = c; i < count; i += categories.length) {
      const price = 5_000 * (2 + ((i * 7) % 20));
      const item = await admin.query(`insert into ${s}.menu_items (tenant_id, category_id, name, price_vnd) values ($1, $2, $3, $4) returning id`, [tenantId, rows[0].id, `${name} ${i}`, price]);
      itemIds.push(item.rows[0].id);
    }
  }
  return { itemIds };
}

/**
 * Sales for every location over the last `days` local days (today included), opening hours
 * 06:00-22:00 with a lunch and a dinner peak, 1-3 lines per order.
 */
export async function seedHistory(admin: pg.ClientBase, schema: string, options: SeedOptions): Promise<{ orders: number; lines: number }> {
  const s = admin.escapeIdentifier(schema);
  await admin.query("select setseed(0.42)");
  let orders = 0;
  let lines = 0;
  for (const [index, locationId] of options.locationIds.entries()) {
    const started = Date.now();
    const total = options.days * options.ordersPerDay;
    await admin.query("begin");
    await admin.query(`
      create temp table seed_orders on commit drop as
      select g,
             ((date_trunc('day', now() at time zone 'Asia/Ho_Chi_Minh') - make_interval(days => (g % $1)::int)
               + make_interval(hours => (6 + floor(16 * power(random(), 0.9)))::int, secs => floor(random() * 3600)))
               at time zone 'Asia/Ho_Chi_Minh') as ts,
             1 + (g % 3) as nlines
        from generate_series(1, $2) g`, [options.days, total]);
    // Times that landed in the future (later today) move one day back.
    await admin.query("update seed_orders set ts = ts - interval '1 day' where ts > now()");
    await admin.query(`
      create temp table seed_lines on commit drop as
      select o.g, k, i.id as item, i.price_vnd as price, 1 + ((o.g + k) % 3) as qty
        from seed_orders o
        cross join lateral generate_series(1, o.nlines) k
        join (select id, price_vnd, row_number() over (order by id) - 1 as idx from ${s}.menu_items where tenant_id = $1) i
          on i.idx = (o.g * 7 + k * 13) % $2`, [options.tenantId, options.menuItems]);
    const inserted = await admin.query(
      `insert into ${s}.orders (tenant_id, location_id, idempotency_key, request_hash, channel, payment_method, total_vnd, ordered_at)
       select $1, $2, 'seed-' || $3 || '-' || o.g, 'seed', (array['dine_in','takeaway','delivery'])[1 + o.g % 3],
              (array['cash','card','momo','zalopay','vnpay','bank_transfer'])[1 + (o.g * 7) % 6], t.total, o.ts
         from seed_orders o join (select g, sum(price::bigint * qty) as total from seed_lines group by g) t using (g)`,
      [options.tenantId, locationId, index],
    );
    const lineRows = await admin.query(
      `insert into ${s}.order_lines (tenant_id, order_id, menu_item_id, item_name, quantity, unit_price_vnd, line_total_vnd)
       select $1, o.id, l.item, 'seeded', l.qty, l.price, l.price::bigint * l.qty
         from seed_lines l join ${s}.orders o on o.tenant_id = $1 and o.idempotency_key = 'seed-' || $2 || '-' || l.g`,
      [options.tenantId, index],
    );
    await admin.query("commit");
    orders += inserted.rowCount ?? 0;
    lines += lineRows.rowCount ?? 0;
    options.log(`seeded location ${index + 1}/${options.locationIds.length}: ${inserted.rowCount} orders, ${lineRows.rowCount} lines in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await admin.query(`analyze ${s}.orders, ${s}.order_lines, ${s}.location_hourly_sales, ${s}.location_item_daily_sales`);
  return { orders, lines };
}
