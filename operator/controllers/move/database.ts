// The move controller's connection to the platform Postgres: its own small pool on the operator's
// database URL, because a move holds a connection for a whole copy and must not starve the
// provisioning pool.
import pg from "pg";
import { surviveDisconnects } from "../../../common/pg-disconnects.js";

const pools = new Map<string, pg.Pool>();

export async function withMoveClient<T>(url: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let pool = pools.get(url);
  if (!pool) {
    // A connect that hangs must fail the reconcile (retried), not hold a worker.
    pool = surviveDisconnects(new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 }));
    pools.set(url, pool);
  }
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

export async function closeMovePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end()));
}
