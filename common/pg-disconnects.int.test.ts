// A checked-out client whose connection Postgres terminates: without surviveDisconnects the
// 'error' event has no listener and takes the process down (what a Ctrl-C of the local
// platform during an import did); with it, only the query in flight fails.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { isServerShutdown, surviveDisconnects } from "./pg-disconnects.js";

describe("Given a pool whose checked-out connection Postgres terminates", () => {
  let admin: pg.Pool;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  });
  afterAll(async () => {
    await admin.end();
  });

  it("rejects the query in flight and emits no unhandled error", async () => {
    const pool = surviveDisconnects(new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 }));
    const unhandled: unknown[] = [];
    const onUncaught = (e: unknown) => unhandled.push(e);
    process.on("uncaughtException", onUncaught);
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const sleeping = client.query("SELECT pg_sleep(5)");
      await new Promise((resolve) => setTimeout(resolve, 100));
      await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
      await expect(sleeping).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
      expect(client.listenerCount("error")).toBeGreaterThan(0);
    } finally {
      process.off("uncaughtException", onUncaught);
      client.release(true);
      await pool.end();
    }
  });

  it("reports an idle connection the server terminated to the pool's listener, recognisably as a shutdown", async () => {
    const cut: Error[] = [];
    const pool = surviveDisconnects(new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 }), (err) => cut.push(err));
    try {
      const { rows } = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
      for (let i = 0; i < 50 && cut.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(cut.map(isServerShutdown)).toEqual([true]);
      expect(isServerShutdown(new Error("Connection terminated unexpectedly"))).toBe(false);
    } finally {
      await pool.end();
    }
  });
});
