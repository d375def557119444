// The cell API process: GraphQL at /graphql, liveness at /healthz, readiness at /readyz,
// Prometheus metrics at /metrics. Runs in-process for tests and the local platform.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServerAdapter } from "@whatwg-node/server";
import type { AddressInfo } from "node:net";
import type { Tracer } from "@opentelemetry/api";
import { GraphQLError } from "graphql";
import { createYoga, maskError } from "graphql-yoga";
import { Redis } from "ioredis";
import { createLogger, TENANT_HEADER, type Logger } from "../../common/index.js";
import { keySet, tenantDirectory } from "../auth/index.js";
import { dashboards, noCache, redisDashboardCache, type DashboardCache } from "../dashboards/index.js";
import { createDatabase, type Database } from "../db/index.js";
import { createContext, type CellContext, type ContextDeps } from "../graphql/context.js";
import { locationLookup } from "../graphql/location-lookup.js";
import { schema } from "../graphql/schema/index.js";
import { graphqlBodyRefusal } from "../../common/graphql-body-limit.js";
import type { CellServerConfig } from "./config.js";
import { createMetrics, operationTelemetry, type CellMetrics } from "./observability.js";
import { attachRealtime } from "../realtime/index.js";
import { createMlClient } from "../ml-client/index.js";
import { refreshThrottle } from "../recommendations/index.js";
import { createPaymentWebhookHandlers, parsePaymentConfig } from "../payments/index.js";
import { createUsageFeedHandler } from "../usage-feed/index.js";
import { tenantApp } from "../../web/index.js";

export interface CellServer {
  /** Starts listening (port 0 picks a free port); resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** Base URL once listening, e.g. http://127.0.0.1:43121 */
  readonly url: string;
  /** The Fetch-API handler (yoga.fetch) for in-process requests without a socket. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The underlying HTTP server, for attaching e.g. socket.io. */
  readonly httpServer: Server;
  readonly database: Database;
  readonly redis: Redis | undefined;
  readonly metrics: CellMetrics;
  readonly log: Logger;
}

export interface CellServerOptions {
  tracer?: Tracer;
  logger?: Logger;
}

export function createCellServer(config: CellServerConfig, options: CellServerOptions = {}): CellServer {
  if (config.platformKeyPrevious !== undefined && config.platformKey === undefined) throw new Error("createCellServer: platformKeyPrevious is set without platformKey (a previous key is only accepted alongside the current one)");
  const log = options.logger ?? createLogger("cell", config.logLevel);
  const database = createDatabase({ connectionString: config.databaseUrl, schema: config.schema, poolSize: config.poolSize });
  // Auto-pipelining: concurrent requests' cache reads and version bumps share socket writes.
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, enableAutoPipelining: true }) : undefined;
  // Reconnects are automatic; without this handler an unreachable Redis would crash the process.
  redis?.on("error", (error) => log.warn({ err: error }, "Redis connection error"));
  const metrics = createMetrics();
  const cache = countingCache(redis ? redisDashboardCache(redis, config.schema, log) : noCache, metrics);
  const deps: ContextDeps = {
    database,
    dashboards: dashboards(database, cache),
    log,
    routerSigningKey: config.routerSigningKey,
    routerSigningKeyPrevious: config.routerSigningKeyPrevious,
    keys: keySet(config.keys),
    tenants: tenantDirectory(database.pool),
    locations: locationLookup(database),
    // Without an ML pod the client still answers, from its rule-based fallback.
    ml: createMlClient({ url: config.mlGrpcUrl ?? "127.0.0.1:1", deadlineMs: 2_000, logger: log }),
    // With Redis, one recommendations refresh a minute per location across every replica.
    refreshThrottle: redis ? refreshThrottle({ redis, namespace: config.schema }) : undefined,
  };

  const yoga = createYoga<Record<string, unknown>, CellContext>({
    schema,
    graphqlEndpoint: "/graphql",
    context: ({ request }) => createContext(request, deps),
    graphiql: false,
    landingPage: false,
    logging: false,
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original && !(original instanceof GraphQLError)) log.error({ err: original }, "Unexpected error in a GraphQL request");
        const masked = maskError(error, message, isDev);
        if (masked instanceof GraphQLError && masked.extensions.code === undefined) {
          return new GraphQLError(masked.message, { ...masked, extensions: { ...masked.extensions, code: "INTERNAL_SERVER_ERROR" } });
        }
        return masked;
      },
    },
    plugins: [operationTelemetry(metrics, options.tracer)],
    // Enforced on the declared length in route() instead (common/graphql-body-limit.ts says why).
    maxRequestBodySize: false,
  });

  async function ready(res: ServerResponse): Promise<void> {
    const checks: Record<string, string> = {};
    // The error's code only: its text can name database users and hosts, and tenant hosts reach
    // this path through the router. The text goes to the log.
    await database.ping().then(
      () => (checks.postgres = "ok"),
      (e: Error & { code?: string }) => {
        log.warn({ err: e }, "Readiness: Postgres check failed");
        checks.postgres = `failed (${e.code ?? e.name})`;
      },
    );
    if (redis) checks.redis = redis.status === "ready" ? "ok" : `not ready (${redis.status})`;
    const ok = Object.values(checks).every((v) => v === "ok");
    send(res, ok ? 200 : 503, "application/json", JSON.stringify({ status: ok ? "ready" : "not ready", checks }));
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?", 1)[0];
    // The router's request id goes back on the answer: the router refuses an answer naming
    // another request, which catches a slipped keep-alive connection (router/raw/response-head.ts).
    const requestId = req.headers["x-request-id"];
    if (typeof requestId === "string") res.setHeader("x-request-id", requestId);
    res.on("finish", () => metrics.httpRequests.inc({ route: knownRoute(path), status: String(res.statusCode) }));
    if (path === "/healthz") return send(res, 200, "application/json", '{"status":"ok"}');
    // Readiness, metrics and the usage feed (/internal/*) are for the kubelet, the scraper and the
    // control plane, which call the pod directly. A request the router forwarded from a tenant's
    // host carries the tenant header: such a caller learns nothing about the cell's dependencies or
    // the traffic of its other tenants, and cannot try platform keys against the feed.
    const operational = path === "/readyz" || path === "/metrics" || path?.startsWith("/internal/") === true;
    if (operational && req.headers[TENANT_HEADER] !== undefined) return send(res, 404, "application/json", '{"error":"not found"}');
    if (path === "/readyz") {
      ready(res).catch((error: unknown) => {
        log.warn({ err: error }, "Readiness check failed");
        send(res, 503, "application/json", '{"status":"not ready"}');
      });
      return;
    }
    if (path === "/metrics") {
      metrics.registry.metrics().then((body) => send(res, 200, metrics.registry.contentType, body), () => send(res, 500, "text/plain", "metrics unavailable"));
      return;
    }
    if (path === "/graphql") {
      const refused = req.method === "POST" ? graphqlBodyRefusal(req) : undefined;
      if (refused) {
        // The body is not read: the connection cannot carry another request after this answer.
        res.shouldKeepAlive = false;
        return send(res, refused.status, "application/json", refused.body);
      }
      void yoga(req, res);
      return;
    }
    if (path?.startsWith("/internal/") && usageFeed) {
      usageFeed(req, res).then(
        (handled) => handled || send(res, 404, "application/json", '{"error":"not found"}'),
        (error: unknown) => (log.error({ err: error }, "Usage feed request failed"), send(res, 500, "application/json", '{"error":"internal"}')),
      );
      return;
    }
    if (path?.startsWith("/webhooks/")) {
      void webhooks(req, res);
      return;
    }
    // Everything else a browser GETs is the staff web app (web/tenant-app), built by npm run web:build.
    if ((req.method === "GET" || req.method === "HEAD") && (path?.startsWith("/assets/") || req.headers.accept?.includes("text/html"))) return staticApp(req, res);
    send(res, 404, "application/json", '{"error":"not found"}');
  }

  const staticApp = tenantApp();
  const httpServer = createServer(route);
  // Longer than the router's pooled-connection idle timeout, so pooled sockets are not reset.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  // Socket.io and the payment webhooks (cell/realtime, cell/payments): pushes go out after commits.
  const realtime = attachRealtime(httpServer, { db: database, caller: deps, log, redis: config.redisUrl });
  deps.realtime = realtime.publisher;
  deps.pubsub = realtime.pubsub;
  const paymentHandlers = createPaymentWebhookHandlers({
    db: database,
    tenants: deps.tenants,
    routerSigningKey: config.routerSigningKey,
    routerSigningKeyPrevious: config.routerSigningKeyPrevious,
    config: config.payments ?? parsePaymentConfig({ tenants: {} }),
    log,
    onPayment: (payment) => realtime.publisher.paymentRecorded(payment),
  });
  // The control plane's usage and daily-sales feed (issue 8), only when a platform key is configured
  // (and, during a key rotation, the previous one as well).
  const usageFeed = config.platformKey ? createUsageFeedHandler({ db: database, platformKey: config.platformKey, platformKeyPrevious: config.platformKeyPrevious }) : undefined;
  const webhooks = createServerAdapter((request: Request) => paymentHandlers.route(request) ?? Response.json({ error: "not found" }, { status: 404 }));
  let url = "";

  return {
    get url() {
      return url;
    },
    httpServer,
    database,
    redis,
    metrics,
    log,
    fetch: (input, init) => Promise.resolve(yoga.fetch(input as string, init ?? {})),
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
          log.info({ url, schema: config.schema, cache: redis ? "redis" : "none" }, "Started cell API");
          resolve(url);
        });
      });
    },
    async close() {
      deps.ml?.close();
      await realtime.close();
      await new Promise<void>((resolve) => {
        if (!httpServer.listening) return resolve();
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      });
      redis?.disconnect();
      await database.close();
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const ROUTES = new Set(["/graphql", "/healthz", "/readyz", "/metrics"]);
function knownRoute(path: string | undefined): string {
  return path && ROUTES.has(path) ? path : "other";
}

function countingCache(cache: DashboardCache, metrics: CellMetrics): DashboardCache {
  return {
    async get<T>(locationId: string, signature: string) {
      const result = await cache.get<T>(locationId, signature);
      metrics.cacheLookups.inc({ result: result.value === undefined ? "miss" : "hit" });
      return result;
    },
    set: (l, s, v, value) => cache.set(l, s, v, value),
    invalidate: (ids) => cache.invalidate(ids),
  };
}
