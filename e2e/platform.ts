// Helpers for end-to-end tests: a local platform on a fresh database, and HTTP through its router
// with the Host header a browser on <slug>.localhost would send.
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { LocalPlatform, LocalPlatformOptions } from "../local-platform/platform.js";
import { startTestPlatform } from "../local-platform/testing.js";

export interface E2ePlatform extends LocalPlatform {
  dataDir: string;
  kubeconfig: string;
}

/**
 * Starts the local platform on its own database of the test Postgres and the test Redis;
 * stop() also drops that database and removes the data folder.
 */
export async function startE2ePlatform(name: string, options: Partial<LocalPlatformOptions> = {}): Promise<E2ePlatform> {
  const test = await startTestPlatform(`e2e_${name}`, { redisUrl: process.env.REDIS_URL!, usageSyncIntervalMs: 1_000, ...options });
  return { ...test.platform, dataDir: test.dataDir, kubeconfig: test.kubeconfig, stop: test.stop };
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
