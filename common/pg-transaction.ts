// One Postgres transaction: commit when `work` resolves, roll back when it throws. `begin` may carry
// the isolation level or settings that must share the first round trip (e.g. "begin read only",
// "begin; select set_config(...)").
import type pg from "pg";

/** On a pooled connection, given back to the pool afterwards. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = "begin"): Promise<T> {
  const client = await pool.connect();
  try {
    return await inClientTransaction(client, () => work(client), begin);
  } finally {
    client.release();
  }
}

/** On a connection the caller holds (and keeps). */
export async function inClientTransaction<T>(client: pg.ClientBase, work: () => Promise<T>, begin = "begin"): Promise<T> {
  await client.query(begin);
  try {
    const result = await work();
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  }
}
