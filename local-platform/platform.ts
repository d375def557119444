// The whole platform on one machine: embedded Postgres, Redis (or, without it, single-process
// fallbacks: ADR 0540), the Kubernetes-compatible local API, the control plane, the router on
// *.localhost, and the operator's local mode running cells as processes. Everything persists under
// the data folder between runs.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { createLogger, isServerShutdown, surviveDisconnects, type Logger } from "../common/index.js";
import { loadKubeConfig } from "../common/kube-config.js";
import { createControlPlane, DirectoryKeyStore, KubernetesTenantRegistry, type ControlPlane } from "../control-plane/index.js";
import type { OtpChallengeConfig } from "../control-plane/identity/otp-challenge.js";
import { adoptTenantOwner } from "../control-plane/onboarding/owner-sync.js";
import { kubernetesTargets, startCellSync } from "../control-plane/rollups/index.js";
import { createRouter, LocalRouteSource, type Router } from "../router/index.js";
import { startPostgres, type PostgresHandle } from "../scripts/services/postgres.js";
import { findRedisServer, startRedis, type RedisHandle } from "../scripts/services/redis.js";
import { writeLocalKubeconfig } from "./api/kubeconfig.js";
import { admit } from "./api/manifests.js";
import { startLocalApiServer, type LocalApiServer } from "./api/server.js";
import { CellProcesses } from "./operator/cell-processes.js";
import { readyCellTargets } from "./operator/ready-targets.js";
import { LocalOperator } from "./operator/local-operator.js";
import { chooseRedis, SINGLE_PROCESS_FALLBACKS, type RedisSetting } from "./redis-choice.js";
import { loadOrCreateSecrets } from "./secrets.js";
import { ResourceStore } from "./store/resource-store.js";

export interface LocalPlatformOptions {
  dataDir: string;
  /** Public port of the router: http://<slug>.localhost:<port>. */
  port: number;
  /** Port of the local Kubernetes-compatible API (lsp CLI, control plane signup). */
  apiPort: number;
  /** Where the kubeconfig for the local API is written (the lsp CLI reads it). */
  kubeconfigPath: string;
  sharedCellCapacity?: number;
  /** Use this Postgres (superuser URL) instead of the embedded one; tests pass a fresh database. */
  databaseUrl?: string;
  /** Use this Redis instead of starting one (main.ts passes REDIS_URL). */
  redisUrl?: string;
  /** auto (default): Redis when there is a URL or a redis-server, else single-process; on: require it; off: never. */
  redis?: RedisSetting;
  /** How often the control plane pulls usage and daily sales from the cells (default 30 s). */
  usageSyncIntervalMs?: number;
  /** A challenge for the public lane of sign-in codes (ADR 0510); none by default. */
  otpChallenge?: OtpChallengeConfig;
  progress?: (step: string) => void;
  logger?: Logger;
}

/** Without Redis: why, and what stands in for it. */
export interface SingleProcessMode {
  reason: string;
  fallbacks: readonly string[];
}

export interface LocalPlatform {
  routerUrl: string;
  /** The Redis in use, or undefined in single-process mode. */
  redisUrl?: string;
  singleProcess?: SingleProcessMode;
  apiUrl: string;
  controlPlaneUrl: string;
  store: ResourceStore;
  operator: LocalOperator;
  admin: pg.Pool;
  adminUrl: string;
  tenantUrl(slug: string): string;
  /** Creates the manifest's object, validated and defaulted as `lsp apply` does, unless it exists (demo seeding). */
  apply(manifest: unknown): Promise<"created" | "unchanged">;
  stop(): Promise<void>;
}

export async function startLocalPlatform(options: LocalPlatformOptions): Promise<LocalPlatform> {
  const log = options.logger ?? createLogger("local-platform");
  const progress = options.progress ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.error({ err }, "Stop failed"));
  };
  try {
    mkdirSync(options.dataDir, { recursive: true });
    const secrets = loadOrCreateSecrets(join(options.dataDir, "secrets.json"));

    const setting = options.redis ?? "auto";
    const choice = chooseRedis({ setting, redisUrl: options.redisUrl, redisServer: setting === "off" || options.redisUrl ? undefined : findRedisServer() });
    const singleProcess: SingleProcessMode | undefined = choice.use === "none" ? { reason: choice.reason, fallbacks: SINGLE_PROCESS_FALLBACKS } : undefined;
    progress(singleProcess ? `starting Postgres (no Redis: ${singleProcess.reason}; single-process fallbacks)` : "starting Postgres and Redis");
    const [postgres, redis] = await Promise.all([
      options.databaseUrl
        ? ({ url: options.databaseUrl, owned: false, stop: async () => {} } satisfies PostgresHandle)
        : startPostgres({ dataDir: join(options.dataDir, "postgres", "data"), persistent: true }),
      choice.use === "url"
        ? ({ url: choice.url, owned: false, stop: async () => {} } satisfies RedisHandle)
        : choice.use === "server"
          ? startRedis(join(options.dataDir, "redis")).catch((error: unknown) => {
              throw new Error(`${(error as Error).message}\nOr run without Redis: scripts/start --no-redis (single-process fallbacks, docs/local-platform.md).`);
            })
          : undefined,
    ]);
    stops.push(() => (postgres as PostgresHandle).stop(), async () => (redis as RedisHandle | undefined)?.stop());
    // A connection cut by Postgres, idle or in use, is not a crash. Ctrl-C reaches the whole
    // process group, Postgres included, which shuts down and cuts idle connections, often before
    // this process has even seen the signal: those cuts are expected, others worth a warning.
    const admin = surviveDisconnects(new pg.Pool({ connectionString: postgres.url, max: 10 }), (err) => {
      if (!isServerShutdown(err)) log.warn({ err: err.message }, "Idle Postgres connection closed");
    });
    stops.push(() => admin.end());

    progress("starting the local Kubernetes-compatible API");
    const store = await ResourceStore.open(admin);
    const api: LocalApiServer = await startLocalApiServer(store, options.apiPort);
    stops.push(() => api.close());
    writeLocalKubeconfig(options.kubeconfigPath, api.url);

    progress("starting the control plane");
    const kc = loadKubeConfig({ file: options.kubeconfigPath });
    const controlPlane: ControlPlane = await createControlPlane({
      databaseUrl: postgres.url,
      // Without one the control plane keeps codes, limits and the outbox in memory (ADR 0540).
      redisUrl: redis?.url,
      otpPepper: secrets.otpPepper,
      keyStore: new DirectoryKeyStore(join(options.dataDir, "signing-keys")),
      tenantRegistry: new KubernetesTenantRegistry(kc),
      sms: "outbox",
      // The local platform's sign-in reads codes there (README); it listens on 127.0.0.1 only.
      smsOutboxHttp: true,
      trustProxy: true,
      otpChallenge: options.otpChallenge,
      logger: log.child({ component: "control-plane" }),
      databaseShutsDownWithUs: true,
    });
    const controlPlaneUrl = await controlPlane.listen(0, "127.0.0.1");
    stops.push(() => controlPlane.close());

    progress("starting the router");
    const routes = new LocalRouteSource({ app: { endpoint: controlPlaneUrl } });
    const router: Router = createRouter({
      port: options.port,
      host: "127.0.0.1",
      baseDomains: ["localhost"],
      signingKey: secrets.routerSigningKey,
      routes,
      stateFile: join(options.dataDir, "router-routes.json"),
      logger: log.child({ component: "router" }),
    });
    const routerUrl = await router.listen();
    stops.push(() => router.close());
    const tenantUrl = (slug: string) => `http://${slug}.localhost:${new URL(routerUrl).port}`;

    progress("starting the operator (local mode)");
    const processes = new CellProcesses(join(options.dataDir, "logs"), log.child({ component: "cells" }), (cell) => operator.enqueue(`Cell/${cell}`));
    stops.push(() => processes.stopAll());
    const operator: LocalOperator = new LocalOperator({
      store,
      admin,
      adminUrl: postgres.url,
      processes,
      routes,
      publicUrl: tenantUrl,
      // Without one, cells run without the socket.io adapter and the dashboard cache.
      redisUrl: redis?.url,
      routerSigningKey: secrets.routerSigningKey,
      jwksUrl: `${controlPlaneUrl}/.well-known/jwks.json`,
      platformKey: secrets.platformKey,
      sharedCellCapacity: options.sharedCellCapacity ?? 50,
      cellVersion: "local",
      onTenantProvisioned: async (tenant) => {
        const adoption = await adoptTenantOwner(admin, tenant);
        if (!adoption.adopted) log.warn({ tenant: tenant.spec.slug, reason: adoption.reason }, "Owner cannot log in");
      },
      log: log.child({ component: "operator" }),
    });
    await operator.start();
    stops.push(() => operator.stop());

    progress("starting the usage and rollup sync");
    // The control plane's billing sync, as `npm run billing -- sync` runs it in a cluster.
    const usageSync = startCellSync({
      pool: admin,
      platformKey: secrets.platformKey,
      targets: readyCellTargets(kubernetesTargets(kc), processes),
      intervalMs: options.usageSyncIntervalMs ?? 30_000,
      log: log.child({ component: "usage-sync" }),
    });
    stops.push(() => usageSync.stop());

    return {
      routerUrl,
      redisUrl: redis?.url,
      singleProcess,
      apiUrl: api.url,
      controlPlaneUrl,
      store,
      operator,
      admin,
      adminUrl: postgres.url,
      tenantUrl,
      async apply(manifest) {
        const result = admit(manifest);
        if (!result.ok) throw new Error(result.error.message);
        if (await store.get(result.info.kind, result.object.metadata.name)) return "unchanged";
        await store.create(result.object);
        return "created";
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
