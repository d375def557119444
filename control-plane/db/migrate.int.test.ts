import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { BILLING_MIGRATIONS_DIR } from "../billing/migrate.js";
import { migrate } from "./migrate.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("cpmig");
});
afterAll(async () => {
  await db.drop();
});

describe("Given a database the control plane already migrated", () => {
  it("applies nothing the second time, even with several replicas starting at once", async () => {
    const runs = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)]);
    expect(runs).toEqual([[], [], []]);
    const { rows } = await db.pool.query("SELECT name FROM control_plane.schema_migrations ORDER BY name");
    // The control plane's own, then billing's (control-plane/billing/migrations), as on start.
    expect(rows.map((r) => r.name)).toEqual([...readdirSync(join(import.meta.dirname, "migrations")), ...readdirSync(BILLING_MIGRATIONS_DIR)].filter((f) => f.endsWith(".sql")).sort());
  });

  it("has every table the control plane uses", async () => {
    const { rows } = await db.pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'control_plane' ORDER BY table_name");
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["invites", "join_codes", "memberships", "refresh_token_families", "refresh_tokens", "schema_migrations", "tenants", "users"]),
    );
  });

  it("refuses a phone that is not E.164 Vietnamese mobile at the database too", async () => {
    await expect(db.pool.query("INSERT INTO control_plane.users (phone) VALUES ('0912345678')")).rejects.toThrow(/users_phone_check/);
  });
});
