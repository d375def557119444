// Helpers for end-to-end tests: a local platform on a fresh database, and HTTP through its router
// with the Host header a browser on <slug>.localhost would send.
import http from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createLogger } from "../common/index.js";
import { freePort } from "../scripts/services/processes.js";
import { startLocalPlatform, type LocalPlatform } from "../local-platform/platform.js";

export interface E2ePlatform extends LocalPlatform {
  dataDir: string;
  kubeconfig: string;
  dropDatabase(): Promise<void>;
}

/** Starts the local platform on its own database of the test Postgres and the test Redis. */
export async function startE2ePlatform(name: string): Promise<E2ePlatform> {
  const database = `e2e_${name}_${process.pid}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`create database ${database}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${database}`;
  const dataDir = mkdtempSync(join(tmpdir(), `lsp-e2e-${name}-`));
  const kubeconfig = join(dataDir, "kubeconfig");
  const platform = await startLocalPlatform({
    dataDir,
    port: await freePort(),
    apiPort: await freePort(),
    kubeconfigPath: kubeconfig,
    databaseUrl: url.toString(),
    redisUrl: process.env.REDIS_URL!,
    usageSyncIntervalMs: 1_000,
    logger: createLogger("e2e", "silent"),
  });
  return {
    ...platform,
    dataDir,
    kubeconfig,
    async dropDatabase() {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`drop database if exists ${database} with (force)`);
      await c.end();
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = unknown>(): T;
}

/** A request through the router to `<host>`; `host` is e.g. "pho-bo-hanoi.localhost". */
export function viaRouter(routerUrl: string, host: string, path: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const { port } = new URL(routerUrl);
  const payload = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? (payload ? "POST" : "GET"),
        headers: { host, ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
        });
      },
    );
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}
