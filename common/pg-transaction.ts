// One Postgres transaction on a pooled connection: commit when `work` resolves, roll back when it
// throws, always give the connection back. `begin` may carry the isolation level or settings that
// must share the first round trip (e.g. "begin read only", "begin; select set_config(...)").
import type pg from "pg";

export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = "begin"): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
