// The real services an integration test run needs, started together and stopped together.
// State lives in .lsp/test-<pid>/; folders of runs whose process is gone are reaped first, so a
// crashed run never leaves servers behind for the next one.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startCluster, type ClusterHandle } from "./cluster.js";
import { startPostgres, type PostgresHandle } from "./postgres.js";
import { alive, killGroup, reapStale } from "./processes.js";
import { startRedis, type RedisHandle } from "./redis.js";

export interface TestServices {
  stateDir: string;
  postgres?: PostgresHandle;
  redis?: RedisHandle;
  cluster?: ClusterHandle;
  stop(): Promise<void>;
}

export type ServiceName = "postgres" | "redis" | "kubernetes";

/**
 * Which services to start: all by default; `LSP_TEST_SERVICES=postgres,redis` narrows a focused
 * run (e.g. working on the cell) so it does not wait for a Kubernetes control plane.
 */
export function requestedServices(value = process.env.LSP_TEST_SERVICES): Set<ServiceName> {
  const all: ServiceName[] = ["postgres", "redis", "kubernetes"];
  if (!value) return new Set(all);
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!all.includes(n as ServiceName)) throw new Error(`LSP_TEST_SERVICES: unknown service '${n}' (expected ${all.join(", ")})`);
  }
  return new Set(names as ServiceName[]);
}

const projectRoot = resolve(import.meta.dirname, "..", "..");
const lspDir = join(projectRoot, ".lsp");

export async function startTestServices(log: (message: string) => void, wanted = requestedServices()): Promise<TestServices> {
  await reapAbandonedRuns(log);
  const stateDir = join(lspDir, `test-${process.pid}`);
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, "owner.pid"), String(process.pid));

  const skip = async () => undefined;
  const results = await Promise.allSettled([
    wanted.has("postgres") ? startPostgres({ dataDir: join(stateDir, "postgres", "data"), persistent: false }) : skip(),
    wanted.has("redis") ? startRedis(join(stateDir, "redis")) : skip(),
    wanted.has("kubernetes") ? startCluster({ stateDir: join(stateDir, "cluster"), log: (m) => log(`cluster: ${m}`) }) : skip(),
  ]);
  const [pg, redis, cluster] = results;
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failures.length > 0) {
    // Stop whatever did start so a failed setup leaves nothing running.
    for (const r of results) if (r.status === "fulfilled") await r.value?.stop().catch(() => {});
    rmSync(stateDir, { recursive: true, force: true });
    throw new Error(failures.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason))).join("\n\n"));
  }
  const services = {
    stateDir,
    postgres: (pg as PromiseFulfilledResult<PostgresHandle | undefined>).value,
    redis: (redis as PromiseFulfilledResult<RedisHandle | undefined>).value,
    cluster: (cluster as PromiseFulfilledResult<ClusterHandle | undefined>).value,
    async stop() {
      await Promise.allSettled([services.cluster?.stop(), services.redis?.stop(), services.postgres?.stop()]);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return services;
}

async function reapAbandonedRuns(log: (message: string) => void): Promise<void> {
  if (!existsSync(lspDir)) return;
  for (const entry of readdirSync(lspDir).filter((e) => e.startsWith("test-"))) {
    const dir = join(lspDir, entry);
    const ownerFile = join(dir, "owner.pid");
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, "utf8")) : NaN;
    if (Number.isInteger(owner) && alive(owner)) continue;
    const reaped = [...(await reapStale(join(dir, "redis"))), ...(await reapStale(join(dir, "cluster")))];
    const postmaster = join(dir, "postgres", "data", "postmaster.pid");
    if (existsSync(postmaster)) {
      const pid = Number(readFileSync(postmaster, "utf8").split("\n")[0]);
      if (Number.isInteger(pid) && alive(pid)) {
        await killGroup(pid, 3_000);
        reaped.push(`postgres (pid ${pid})`);
      }
    }
    if (reaped.length) log(`stopped services left by an earlier run: ${reaped.join(", ")}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

