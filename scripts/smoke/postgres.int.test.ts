import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";

describe("Given the test Postgres", () => {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  const schema = `smoke_${process.pid}`;
  const role = `smoke_reader_${process.pid}`;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.query(`create table ${schema}.orders (id serial primary key, tenant_id text not null, total bigint not null)`);
    await admin.query(`insert into ${schema}.orders (tenant_id, total) values ('pho-bo', 50000), ('pho-bo', 70000), ('bun-cha', 90000)`);
    await admin.query(`alter table ${schema}.orders enable row level security`);
    await admin.query(`create policy tenant_isolation on ${schema}.orders using (tenant_id = current_setting('app.tenant_id', true))`);
    await admin.query(`create role ${role} login password 'reader'`);
    await admin.query(`grant usage on schema ${schema} to ${role}; grant select on ${schema}.orders to ${role}`);
  });

  afterAll(async () => {
    await admin.query(`drop schema ${schema} cascade; drop role ${role}`);
    await admin.end();
  });

  it("is a real PostgreSQL server", async () => {
    const { rows } = await admin.query<{ v: string }>("select current_setting('server_version_num') as v");
    expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(150000);
  });

  it("applies a row-level security policy to a non-owner role", async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.username = role;
    url.password = "reader";
    const reader = new pg.Client({ connectionString: url.toString() });
    await reader.connect();
    try {
      await reader.query("select set_config('app.tenant_id', 'pho-bo', false)");
      const seen = await reader.query<{ tenant_id: string }>(`select tenant_id from ${schema}.orders`);
      expect(seen.rows.map((r) => r.tenant_id)).toEqual(["pho-bo", "pho-bo"]);
      await reader.query("select set_config('app.tenant_id', '', false)");
      expect((await reader.query(`select * from ${schema}.orders`)).rowCount).toBe(0);
    } finally {
      await reader.end();
    }
  });
});
