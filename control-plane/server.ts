// Wires the control plane together: Postgres (migrated on start), Redis (or, without a Redis URL,
// single-process state), signing keys, OTP, the Tenant registry, REST routes and GraphQL, behind
// one node:http server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Redis } from "ioredis";
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import pg from "pg";
import { createYoga, type Plugin } from "graphql-yoga";
import { createLogger, type Logger } from "../common/logger.js";
import { isServerShutdown, surviveDisconnects } from "../common/pg-disconnects.js";
import { migrate } from "./db/migrate.js";
import { ControlPlaneError } from "./identity/errors.js";
import { KeyRing, MemoryKeyStore, type KeyStore } from "./identity/keys.js";
import { OtpService, type OtpLimits } from "./identity/otp.js";
import { TurnstileChallenge, type OtpChallengeConfig } from "./identity/otp-challenge.js";
import { RefreshTokens } from "./identity/refresh-tokens.js";
import { Sessions } from "./identity/sessions.js";
import { devicesForgottenAt } from "./identity/users.js";
import { OutboxSmsProvider, type SmsProvider } from "./identity/sms.js";
import { MemoryState } from "./identity/memory-state.js";
import { RedisState } from "./identity/redis-state.js";
import type { StateMode, VolatileState } from "./identity/volatile-state.js";
import { createContext, type Services } from "./graphql/context.js";
import { clientAddress } from "./http/client-address.js";
import { errorMasker } from "./graphql/errors.js";
import { operationCostRule } from "./graphql/operation-cost.js";
import { graphqlBodyRefusal } from "../common/graphql-body-limit.js";
import { schema } from "./graphql/schema/index.js";
import { sendError } from "./http/json.js";
import { ControlPlaneMetrics } from "./http/metrics.js";
import { createMetricsServer, listenHttp } from "./http/metrics-server.js";
import { ROUTES, type RouteDeps } from "./http/routes.js";
import { handleCors } from "./http/cors.js";
import { ownerConsole } from "../web/index.js";
import { MemoryTenantRegistry } from "./onboarding/memory-registry.js";
import { Onboarding } from "./onboarding/signup.js";
import type { TenantRegistry } from "./onboarding/tenant-registry.js";
import { Staff } from "./staff/staff.js";
import { billingHttpHandler, migrateBilling } from "./billing/index.js";

/** Refuses, before anything runs, an operation that asks too much at once (graphql/operation-cost.ts). */
const operationLimits: Plugin = { onValidate: ({ addValidationRule }) => addValidationRule(operationCostRule) };

/** The owner API's requests are small (the largest, signup, is a few KB); yoga's default is 25 MB. */
const MAX_GRAPHQL_BODY_BYTES = 64 * 1024;

export interface ControlPlaneConfig {
  databaseUrl: string;
  /**
   * Redis for OTP codes, rate limits and the SMS outbox. Without one the control plane keeps them
   * in memory (single-process mode, ADR 0540): correct for exactly one process, never for replicas.
   */
  redisUrl?: string;
  /** Secret mixed into stored OTP hashes (>= 16 characters). */
  otpPepper: string;
  /** Where signing keys live; memory (a fresh key per process) when omitted — fine for one dev process only. */
  keyStore?: KeyStore;
  /** How often keys are re-read, so a rotation written by another process is picked up. */
  keyReloadIntervalMs?: number;
  /** Memory registry when omitted; pass KubernetesTenantRegistry in a cluster. */
  tenantRegistry?: TenantRegistry;
  /** "outbox" (default) keeps messages in Redis (or memory) instead of sending them. */
  sms?: SmsProvider | "outbox";
  /**
   * Serve the outbox at GET /dev/sms-outbox. Development and tests only: whoever reaches it reads
   * every sign-in code and invite, i.e. can sign in as anyone. Off unless asked for.
   */
  smsOutboxHttp?: boolean;
  /** Prefix for every Redis key, so several control planes can share one Redis (tests). */
  redisKeyPrefix?: string;
  otpLimits?: Partial<OtpLimits>;
  /** A challenge (Cloudflare Turnstile) for the public lane of code requests (ADR 0510); none by default. */
  otpChallenge?: OtpChallengeConfig;
  /** Take the client IP from X-Forwarded-For's last entry (only behind one proxy that sets it; http/client-address.ts). */
  trustProxy?: boolean;
  logger?: Logger;
  /**
   * The database may shut down under this process (the local platform's own Postgres, which a
   * terminal's Ctrl-C reaches too): idle connections it cuts for that are not warned about.
   */
  databaseShutsDownWithUs?: boolean;
}

export interface ControlPlane {
  /** Base URL once listening, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Serves /metrics on a port of its own (0: any free one) and stops serving it on the public
   * port; resolves to the metrics server's base URL. Without it the public port serves /metrics to
   * requests that did not come through a proxy (no X-Forwarded-Host).
   */
  listenMetrics(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
  readonly keys: KeyRing;
  readonly registry: TenantRegistry;
  readonly outbox?: OutboxSmsProvider;
  /** Where OTP codes, rate limits and the outbox live. */
  readonly stateMode: StateMode;
}

export async function createControlPlane(config: ControlPlaneConfig): Promise<ControlPlane> {
  const log = config.logger ?? createLogger("control-plane");
  // A connection cut by Postgres (restart, failover), idle or in use, must not crash the process.
  const pool = surviveDisconnects(new pg.Pool({ connectionString: config.databaseUrl, max: 10 }), (err) => {
    if (!(config.databaseShutsDownWithUs && isServerShutdown(err))) log.warn({ err: err.message }, "Idle Postgres connection closed");
  });
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false }) : undefined;
  const state: VolatileState = redis ? new RedisState(redis) : new MemoryState();
  try {
    await migrate(pool);
    await migrateBilling(pool);
    await state.check();
  } catch (error) {
    await pool.end().catch(() => {});
    redis?.disconnect();
    throw new Error(`control plane could not start: ${(error as Error).message}`, { cause: error });
  }
  if (!redis) log.info({ state: state.mode }, "Using single-process state: OTP codes, rate limits and the SMS outbox live in this process (no Redis)");

  const prefix = config.redisKeyPrefix ?? "cp:";
  const metrics = new ControlPlaneMetrics();
  const keys = await new KeyRing(config.keyStore ?? new MemoryKeyStore()).init();
  // The control plane verifies its own tokens exactly as cells do, from its current JWKS,
  // rebuilt whenever the key ring reloads (timer below, or an in-process rotation).
  let localJwks: JWTVerifyGetKey = createLocalJWKSet(keys.jwks());
  let jwksGeneration = keys.generation;
  const currentJwks = (): JWTVerifyGetKey => {
    if (jwksGeneration !== keys.generation) {
      localJwks = createLocalJWKSet(keys.jwks());
      jwksGeneration = keys.generation;
    }
    return localJwks;
  };
  const reloadTimer = setInterval(() => keys.reload().catch((err: unknown) => log.error({ err }, "Failed to reload signing keys")), config.keyReloadIntervalMs ?? 30_000);
  reloadTimer.unref();

  const outbox = config.sms === undefined || config.sms === "outbox" ? new OutboxSmsProvider(state.lists, prefix) : undefined;
  const sms = outbox ?? (config.sms as SmsProvider);
  const otp = new OtpService(
    state,
    sms,
    {
      pepper: config.otpPepper,
      keyPrefix: prefix,
      limits: config.otpLimits,
      devicesForgottenAt: (phone) => devicesForgottenAt(pool, phone),
      challenge: config.otpChallenge ? new TurnstileChallenge(config.otpChallenge) : undefined,
    },
    metrics.observeOtp,
  );
  const sessions = new Sessions(pool, otp, keys, new RefreshTokens(pool, undefined, metrics.observeRefresh));
  const registry = config.tenantRegistry ?? new MemoryTenantRegistry();
  const services: Services = {
    pool,
    sessions,
    onboarding: new Onboarding(pool, registry),
    staff: new Staff(pool, state, sms, config.otpPepper, prefix),
    jwks: currentJwks,
  };
  const yoga = createYoga({
    schema,
    graphqlEndpoint: "/graphql",
    context: ({ request }) => createContext(services, request),
    maskedErrors: { maskError: errorMasker(log) },
    logging: false,
    plugins: [operationLimits],
  });

  const billingHttp = billingHttpHandler({ pool, jwks: currentJwks });
  const staticConsole = ownerConsole();

  const deps: RouteDeps = {
    pool,
    state,
    keys,
    otp,
    sessions,
    metrics,
    metricsElsewhere: false,
    outbox: config.smsOutboxHttp === true ? outbox : undefined,
    clientIp: (req) => clientAddress(req, config.trustProxy ?? false),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = URL.parse(req.url ?? "/", "http://control-plane");
    // A request target no URL can be made of ("//", "/\\"): answered, not left to time out.
    if (url === null) return sendError(res, new ControlPlaneError("BAD_REQUEST", "the request target is not a valid path"));
    const started = process.hrtime.bigint();
    const route = ROUTES.get(url.pathname);
    const label = route ? url.pathname : url.pathname === "/graphql" ? "/graphql" : "other";
    res.on("finish", () => metrics.requests.observe({ route: label, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9));
    // The tenant web app on <slug>.<domain> signs in here cross-origin (ADR 1301).
    if (handleCors(req, res)) return;
    if (url.pathname === "/graphql") {
      const refused = req.method === "POST" ? graphqlBodyRefusal(req, MAX_GRAPHQL_BODY_BYTES) : undefined;
      if (refused) {
        // The body is not read: the connection cannot carry another request after this answer.
        res.shouldKeepAlive = false;
        return void res.writeHead(refused.status, { "content-type": "application/json", "content-length": Buffer.byteLength(refused.body) }).end(refused.body);
      }
      return yoga.requestListener(req, res);
    }
    try {
      if (url.pathname.startsWith("/billing/") && (await billingHttp(req, res, url))) return;
      // Any other GET is the owner console (web/owner-console), index.html for its own routes.
      if (!route && req.method === "GET" && (url.pathname.startsWith("/assets/") || req.headers.accept?.includes("text/html"))) return staticConsole(req, res);
      if (!route) throw new ControlPlaneError("NOT_FOUND", `no route ${req.method} ${url.pathname}`);
      if (req.method !== route.method) {
        res.setHeader("allow", route.method);
        throw new ControlPlaneError("BAD_REQUEST", `${url.pathname} takes ${route.method}, not ${req.method}`);
      }
      await route.handler(deps, req, res, url);
    } catch (error) {
      if (error instanceof ControlPlaneError) {
        if (error.cause !== undefined) log.warn({ err: error.cause, code: error.code, path: url.pathname }, "Request failed on a dependency");
        return sendError(res, error);
      }
      log.error({ err: error, path: url.pathname }, "Request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "INTERNAL", message: "internal error" } }));
    }
  };

  const metricsServer = createMetricsServer(metrics.registry);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => log.error({ err }, "Request handler crashed"));
  });
  let url = "";

  return {
    get url() {
      if (!url) throw new Error("control plane is not listening yet; call listen() first");
      return url;
    },
    keys,
    registry,
    outbox,
    stateMode: state.mode,
    async listen(port = 0, host = "127.0.0.1") {
      url = await listenHttp(server, port, host);
      log.info({ url, sms: sms.name, state: state.mode }, "Started control plane");
      return url;
    },
    async listenMetrics(port, host = "127.0.0.1") {
      const metricsUrl = await listenHttp(metricsServer, port, host);
      deps.metricsElsewhere = true;
      log.info({ url: metricsUrl }, "Serving metrics on their own port");
      return metricsUrl;
    },
    async close() {
      clearInterval(reloadTimer);
      if (metricsServer.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      if (server.listening) {
        server.closeIdleConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await pool.end();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

