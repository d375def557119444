// A Postgres connection cut under a pool (a restart, a failover, the local platform stopping its
// database) must fail the queries using it, never the process. pg emits 'error' on the client:
// the pool listens while a client is idle, but not while it is checked out (a transaction, a
// COPY, an import), and an 'error' nobody listens to throws. So every client the pool opens
// gets a listener of its own for its whole life; the query in flight still rejects with the error.
import type pg from "pg";

export function surviveDisconnects(pool: pg.Pool, onIdleError: (err: Error) => void = () => {}): pg.Pool {
  pool.on("error", onIdleError);
  pool.on("connect", (client) => {
    client.on("error", ignoreClientError);
  });
  return pool;
}

/** The query using the client rejects with the same error; an idle client's is reported by the pool's listener. */
function ignoreClientError(): void {}

/**
 * The server ended the connection because it is shutting down (or an administrator terminated
 * the backend): SQLSTATE 57P01, "terminating connection due to administrator command".
 */
export function isServerShutdown(err: Error): boolean {
  return (err as Error & { code?: string }).code === "57P01";
}
