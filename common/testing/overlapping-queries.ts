// Run as its own process by pg-serial-client.int.test.ts (jest hands test code a copy of `process`
// that never sees pg's deprecation warning): issues overlapping queries on one client, plain pg or
// SerialClient as argv[2] says, prints the results as JSON; Node prints any warning on stderr.
import pg from "pg";
import { SerialClient } from "../pg-serial-client.js";

const Client = process.argv[2] === "serial" ? SerialClient : pg.Client;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1, Client });
const client = await pool.connect();
try {
  const queries = [client.query<{ n: number }>("select pg_sleep(0.05), 1 as n"), client.query<{ n: number }>("select 2 as n"), client.query<{ n: number }>({ text: "select $1::int as n", values: [3] })];
  const failing = client.query("select 1/0").then(() => "no error", (e: Error) => e.message);
  const results: unknown[] = (await Promise.all(queries)).map((r) => r.rows[0]!.n);
  results.push(await failing);
  // The client goes on after a failed query.
  results.push((await client.query<{ n: number }>("select 4 as n")).rows[0]!.n);
  process.stdout.write(JSON.stringify(results));
} finally {
  client.release();
  await pool.end();
}
