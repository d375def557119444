import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { adminUrl, uniqueCellName } from "../testing/database.js";
import {
  applyCellMigrations,
  cellDatabaseNames,
  deprovisionTenant,
  dropCellDatabase,
  ensureCellDatabase,
  InvalidTenantProvisioningError,
  provisionTenant,
  readMigrations,
} from "./index.js";
import { lockSchema, lockSchemaForTenants } from "./migrations.js";

const owner = { phone: "+84901234567", name: "Chị Lan" };

async function connect(url = adminUrl()): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

function roleUrl(role: string, password: string): string {
  const url = new URL(adminUrl());
  url.username = role;
  url.password = password;
  return url.toString();
}

describe("Given a cell without a database", () => {
  const cellName = uniqueCellName("prov");
  const { schema, role } = cellDatabaseNames(cellName);
  let admin: pg.Client;

  beforeAll(async () => {
    admin = await connect();
  });
  afterAll(async () => {
    await dropCellDatabase(admin, cellName);
    await admin.end();
  });

  it("creates the schema, the API role and applies every migration", async () => {
    const result = await ensureCellDatabase(admin, cellName, "first-password");
    expect(result).toEqual({ schema, role, appliedMigrations: readMigrations().map((m) => m.name) });
    const { rows } = await admin.query(`select migration_name, checksum, finished_at from ${schema}._prisma_migrations`);
    expect(rows.map((r) => r.migration_name)).toEqual(readMigrations().map((m) => m.name));
    expect(rows.every((r) => r.finished_at !== null && r.checksum.length === 64)).toBe(true);
  });

  it("is idempotent: a second call applies nothing and the new password works", async () => {
    const again = await ensureCellDatabase(admin, cellName, "second-password");
    expect(again.appliedMigrations).toEqual([]);
    expect(await applyCellMigrations(admin, schema)).toEqual([]);
    const api = await connect(roleUrl(role, "second-password"));
    await api.end();
  });

  it("gives the role no attribute that would bypass row-level security, and no ownership", async () => {
    const { rows } = await admin.query("select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin from pg_roles where rolname = $1", [role]);
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true });
    const owned = await admin.query(
      "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_roles r on r.oid = c.relowner where n.nspname = $1 and r.rolname = $2",
      [schema, role],
    );
    expect(owned.rows).toEqual([]);
    const unprotected = await admin.query(
      "select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r' and relname <> '_prisma_migrations' and not (relrowsecurity and relforcerowsecurity)",
      [schema],
    );
    expect(unprotected.rows).toEqual([]);
  });

  it("lets the role use only its own schema: it cannot create tables or read the migrations table", async () => {
    const api = await connect(roleUrl(role, "second-password"));
    try {
      expect((await api.query("show search_path")).rows[0].search_path).toBe(schema);
      await expect(api.query("create table sneaky (id int)")).rejects.toThrow(/permission denied/);
      await expect(api.query("select * from _prisma_migrations")).rejects.toThrow(/permission denied/);
    } finally {
      await api.end();
    }
  });

  it("survives two provisioners racing on the same cell", async () => {
    const racer = uniqueCellName("race");
    const [a, b] = await Promise.all([connect(), connect()]);
    try {
      const results = await Promise.all([ensureCellDatabase(a, racer, "pw"), ensureCellDatabase(b, racer, "pw")]);
      const applied = results.map((r) => r.appliedMigrations.length).sort();
      expect(applied).toEqual([0, readMigrations().length]);
      await Promise.all([dropCellDatabase(a, racer), dropCellDatabase(b, racer)]);
      expect((await admin.query("select 1 from pg_namespace where nspname = $1", [cellDatabaseNames(racer).schema])).rowCount).toBe(0);
      expect((await admin.query("select 1 from pg_roles where rolname = $1", [cellDatabaseNames(racer).role])).rowCount).toBe(0);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });
});

describe("Given a provisioned cell database", () => {
  const cellName = uniqueCellName("tenants");
  const { schema } = cellDatabaseNames(cellName);
  let admin: pg.Client;

  beforeAll(async () => {
    admin = await connect();
    await ensureCellDatabase(admin, cellName, "pw");
  });
  afterAll(async () => {
    await dropCellDatabase(admin, cellName);
    await admin.end();
  });

  const tenant = {
    slug: "pho-bo-hanoi",
    displayName: "Phở Bò Hà Nội",
    plan: "growth",
    owner,
    locations: [{ name: "Hoàn Kiếm" }, { name: "Bangkok", timezone: "Asia/Bangkok" }],
  };

  it("creates the tenant, its owner and its locations with the default time zone", async () => {
    const { tenantId } = await provisionTenant(admin, cellName, tenant);
    const locations = await admin.query(`select name, timezone from ${schema}.locations where tenant_id = $1 order by name`, [tenantId]);
    expect(locations.rows).toEqual([
      { name: "Bangkok", timezone: "Asia/Bangkok" },
      { name: "Hoàn Kiếm", timezone: "Asia/Ho_Chi_Minh" },
    ]);
    const staff = await admin.query(`select phone, role, all_locations from ${schema}.staff_members where tenant_id = $1`, [tenantId]);
    expect(staff.rows).toEqual([{ phone: owner.phone, role: "owner", all_locations: true }]);
    const events = await admin.query(`select topic from ${schema}.outbox where tenant_id = $1`, [tenantId]);
    expect(events.rows).toEqual([{ topic: "tenant.provisioned" }]);
  });

  it("is idempotent by slug, also when two calls race", async () => {
    const first = await provisionTenant(admin, cellName, tenant);
    const other = await connect();
    try {
      const [a, b] = await Promise.all([provisionTenant(admin, cellName, tenant), provisionTenant(other, cellName, tenant)]);
      expect(new Set([first.tenantId, a.tenantId, b.tenantId]).size).toBe(1);
    } finally {
      await other.end();
    }
    const counts = await admin.query(
      `select (select count(*) from ${schema}.tenants)::int as tenants, (select count(*) from ${schema}.locations)::int as locations, (select count(*) from ${schema}.staff_members)::int as staff`,
    );
    expect(counts.rows[0]).toEqual({ tenants: 1, locations: 2, staff: 1 });
  });

  it("refuses bad input, naming the field", async () => {
    const bad = { ...tenant, slug: "Bad Slug", locations: [{ name: "X", timezone: "Mars/Olympus" }] };
    const error = await provisionTenant(admin, cellName, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTenantProvisioningError);
    expect((error as InvalidTenantProvisioningError).issues.map((i) => i.field).sort()).toEqual(["locations.0.timezone", "slug"]);
  });

  it("restores an archived tenant for its own owner, and never hands it to a new owner of the slug", async () => {
    const { tenantId } = await provisionTenant(admin, cellName, { ...tenant, slug: "banh-cuon" });
    await deprovisionTenant(admin, cellName, "banh-cuon", "archive");
    const stranger = { ...tenant, slug: "banh-cuon", owner: { phone: "+84987000111", name: "Someone else" } };
    const error = await provisionTenant(admin, cellName, stranger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTenantProvisioningError);
    expect((error as InvalidTenantProvisioningError).issues).toEqual([{ field: "slug", message: expect.stringMatching(/archived business .* another owner/) }]);
    const still = await admin.query(`select status, (select count(*)::int from ${schema}.staff_members where tenant_id = $1) as staff from ${schema}.tenants where id = $1`, [tenantId]);
    expect(still.rows).toEqual([{ status: "archived", staff: 1 }]);
    // The same owner re-applying it restores the business, data and all.
    expect(await provisionTenant(admin, cellName, { ...tenant, slug: "banh-cuon" })).toEqual({ tenantId });
    expect((await admin.query(`select status from ${schema}.tenants where id = $1`, [tenantId])).rows).toEqual([{ status: "active" }]);
  });

  it("archives a tenant (keeping its data) and deletes it, each idempotently", async () => {
    const { tenantId } = await provisionTenant(admin, cellName, { ...tenant, slug: "bun-cha" });
    await deprovisionTenant(admin, cellName, "bun-cha", "archive");
    await deprovisionTenant(admin, cellName, "bun-cha", "archive");
    const archived = await admin.query(`select status from ${schema}.tenants where id = $1`, [tenantId]);
    expect(archived.rows).toEqual([{ status: "archived" }]);
    await deprovisionTenant(admin, cellName, "bun-cha", "delete");
    await deprovisionTenant(admin, cellName, "bun-cha", "delete");
    const left = await admin.query(`select (select count(*) from ${schema}.tenants where id = $1)::int as t, (select count(*) from ${schema}.locations where tenant_id = $1)::int as l`, [tenantId]);
    expect(left.rows[0]).toEqual({ t: 0, l: 0 });
    await deprovisionTenant(admin, cellName, "never-existed", "delete");
    await deprovisionTenant(admin, "no-such-cell", "x", "archive");
  });
});

describe("Given many tenants provisioned into one cell at once", () => {
  const cellName = uniqueCellName("burst");
  const { schema } = cellDatabaseNames(cellName);
  const tenantNamed = (slug: string) => ({ slug, displayName: `Quán ${slug}`, plan: "growth", owner, locations: [{ name: "Quận 1" }, { name: "Quận 3" }] });
  let admin: pg.Client;
  let holder: pg.Client;

  beforeAll(async () => {
    [admin, holder] = await Promise.all([connect(), connect()]);
    await ensureCellDatabase(admin, cellName, "pw");
  });
  afterAll(async () => {
    await holder.query("rollback").catch(() => {});
    await dropCellDatabase(admin, cellName);
    await Promise.all([admin.end(), holder.end()]);
  });

  /** Rejects if `work` has not finished within `ms` (it is waiting on a lock it should not need). */
  const within = <T>(ms: number, work: Promise<T>) =>
    Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms).unref())]);

  it("does not hold one up while another tenant's provisioning is in flight", async () => {
    await holder.query("begin");
    await lockSchemaForTenants(holder, schema); // what an unfinished provisionTenant holds
    try {
      const { tenantId } = await within(10_000, provisionTenant(admin, cellName, tenantNamed("alongside")));
      expect(tenantId).toMatch(/^[0-9a-f-]{36}$/);
      await within(10_000, deprovisionTenant(admin, cellName, "alongside", "archive"));
    } finally {
      await holder.query("rollback");
    }
  });

  it("waits while the schema is being changed, then provisions", async () => {
    const other = await connect();
    try {
      const pid = (await other.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
      await holder.query("begin");
      await lockSchema(holder, schema); // what a migration holds
      const provisioning = provisionTenant(other, cellName, tenantNamed("after-migration"));
      let settled = false;
      void provisioning.finally(() => (settled = true)).catch(() => {});
      for (let waiting = false; !waiting; ) {
        const { rows } = await admin.query("select wait_event from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'", [pid]);
        waiting = rows[0]?.wait_event === "advisory";
        if (!waiting) await new Promise((r) => setTimeout(r, 20));
      }
      expect(settled).toBe(false);
      await holder.query("commit");
      await expect(provisioning).resolves.toEqual({ tenantId: expect.any(String) });
    } finally {
      await other.end();
    }
  });

  it("provisions each of 24 tenants exactly once over 6 connections while the cell's database is re-ensured", async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect()));
    try {
      const slugs = Array.from({ length: 24 }, (_, i) => `burst-${i}`);
      // Every slug twice (a retried reconcile), with ensureCellDatabase (a cell recheck) in between;
      // each connection works through its share in turn, the connections side by side.
      const jobs = [...slugs, ...slugs];
      const results: { slug: string; tenantId: string }[] = [];
      await Promise.all(
        clients.map(async (c, k) => {
          for (let i = k; i < jobs.length; i += clients.length) {
            if (i % 8 === 0) await ensureCellDatabase(c, cellName, "pw");
            results.push({ slug: jobs[i]!, ...(await provisionTenant(c, cellName, tenantNamed(jobs[i]!))) });
          }
        }),
      );
      expect(results).toHaveLength(48);
      const ids = new Map<string, Set<string>>();
      for (const r of results) ids.set(r.slug, (ids.get(r.slug) ?? new Set()).add(r.tenantId));
      expect([...ids.values()].every((set) => set.size === 1)).toBe(true);
      const counts = await admin.query(
        `select (select count(*) from ${schema}.tenants where slug like 'burst-%')::int as tenants,
                (select count(*) from ${schema}.locations l join ${schema}.tenants t on t.id = l.tenant_id where t.slug like 'burst-%')::int as locations,
                (select count(*) from ${schema}.staff_members m join ${schema}.tenants t on t.id = m.tenant_id where t.slug like 'burst-%')::int as owners,
                (select count(*) from ${schema}.outbox where key like 'burst-%')::int as announced`,
      );
      expect(counts.rows[0]).toEqual({ tenants: 24, locations: 48, owners: 24, announced: 24 });
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});
