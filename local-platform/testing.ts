// For integration tests: the local platform on its own fresh database of the test Postgres, in a
// temporary data folder, removed again by stop().
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createLogger } from "../common/index.js";
import { freePort } from "../scripts/services/processes.js";
import { startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from "./platform.js";

export interface TestPlatform {
  platform: LocalPlatform;
  dataDir: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

async function asSuperuser<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function startTestPlatform(name: string, options: Partial<LocalPlatformOptions> = {}): Promise<TestPlatform> {
  const database = `lp_${name}_${process.pid}`;
  await asSuperuser(async (c) => {
    await c.query(`drop database if exists ${database} with (force)`);
    await c.query(`create database ${database}`);
  });
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${database}`;
  const dataDir = mkdtempSync(join(tmpdir(), `lsp-${name}-`));
  const kubeconfig = join(dataDir, "kubeconfig");
  const platform = await startLocalPlatform({
    dataDir,
    port: await freePort(),
    apiPort: await freePort(),
    kubeconfigPath: kubeconfig,
    databaseUrl: url.toString(),
    redisUrl: process.env.REDIS_URL,
    logger: createLogger(name, "silent"),
    ...options,
  });
  return {
    platform,
    dataDir,
    kubeconfig,
    async stop() {
      await platform.stop();
      await asSuperuser((c) => c.query(`drop database if exists ${database} with (force)`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
