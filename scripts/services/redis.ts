// Real Redis for tests and the local platform: `REDIS_URL` when given, otherwise Debian's
// redis-server started on a free loopback port with persistence off.
import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import { canConnect, freePort, startProcess, waitUntil, ServiceStartError, type ServiceProcess } from "./processes.js";

export interface RedisHandle {
  url: string;
  owned: boolean;
  stop(): Promise<void>;
}

export function findRedisServer(): string | undefined {
  for (const candidate of [process.env.REDIS_SERVER_BIN, "redis-server", "/usr/bin/redis-server", "/usr/sbin/redis-server"]) {
    if (!candidate) continue;
    try {
      return execFileSync("sh", ["-c", `command -v ${candidate}`], { encoding: "utf8" }).trim() || undefined;
    } catch {
      /* try the next */
    }
  }
  return undefined;
}

export async function startRedis(stateDir: string, options: { name?: string } = {}): Promise<RedisHandle> {
  if (process.env.REDIS_URL) {
    await assertPing(process.env.REDIS_URL);
    return { url: process.env.REDIS_URL, owned: false, stop: async () => {} };
  }
  const binary = findRedisServer();
  if (!binary) {
    throw new ServiceStartError("redis", "redis-server is not installed. Run scripts/bootstrap.sh (installs Debian's redis-server) or set REDIS_URL.");
  }
  const port = await freePort();
  const service: ServiceProcess = startProcess(stateDir, options.name ?? "redis", binary, [
    "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", stateDir,
  ]);
  await waitUntil(service, "accepting connections", () => canConnect(port), 10_000);
  const url = `redis://127.0.0.1:${port}`;
  await assertPing(url);
  return { url, owned: true, stop: () => service.stop() };
}

async function assertPing(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3_000 });
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== "PONG") throw new Error(`PING answered ${pong}`);
  } catch (error) {
    throw new ServiceStartError("redis", `cannot reach ${url}: ${String(error)}`);
  } finally {
    client.disconnect();
  }
}
