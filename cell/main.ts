// Starts the cell API from environment variables. `tsx cell/main.ts --help` lists them.
import { createLogger } from "../common/index.js";
import { startTracing } from "../observability/index.js";
import { CellConfigError, configFromEnv, createCellServer } from "./server/index.js";

const HELP = `Usage: tsx cell/main.ts

Starts the LSP cell API (GraphQL at /graphql, /healthz, /readyz, /metrics). Configured by env:

  PORT                port to listen on (default 8080)
  DATABASE_URL        postgres:// URL of the cell's API role (not the admin: RLS must apply)
  CELL_SCHEMA         the cell's Postgres schema, e.g. cell_shared_1
  ROUTER_SIGNING_KEY  this cell's HMAC key for the router's x-lsp-tenant header (the operator
                      derives it per cell from the router's master key; the router signs with it)
  ROUTER_SIGNING_KEY_PREVIOUS  optional, during a key rotation: the cell's key before
                      ROUTER_SIGNING_KEY; headers signed with either are accepted
  JWKS_URL            control plane JWKS URL for access tokens
  JWKS_JSON           inline JWKS instead of JWKS_URL (tests, local platform)
  REDIS_URL           optional redis:// URL for the dashboard cache; without it every dashboard
                      read goes to the incrementally maintained aggregates (correct, slower)
  ML_GRPC_URL         ML pod address for recommendations (refreshRecommendations); without it the cell gives rule-based advice
  DB_POOL_SIZE        Postgres connections (default 8)
  LOG_LEVEL           pino level (default info)
  PAYMENT_PROVIDERS_FILE  optional YAML/JSON with MoMo/ZaloPay/VNPay merchant accounts per tenant
                      (docs/cell-realtime.md); without it every payment webhook is refused
  PLATFORM_KEY        optional: this cell's key for the control plane's usage feed at /internal/*
                      (the operator derives it per cell from the platform's master key; the billing
                      sync derives the same); without it the cell serves no usage feed
  PLATFORM_KEY_PREVIOUS  optional, during a key rotation: the cell's platform key before
                      PLATFORM_KEY (only with PLATFORM_KEY); the feed accepts either
  OTEL_EXPORTER_OTLP_ENDPOINT  when set, spans are exported over OTLP/HTTP
`;

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(HELP);
  process.exit(0);
}

const log = createLogger("cell");
let settings;
try {
  settings = configFromEnv();
} catch (error) {
  if (error instanceof CellConfigError) {
    process.stderr.write(`${error.message}\n\n${HELP}`);
    process.exit(2);
  }
  throw error;
}

// HTTP server spans (continuing the router's traceparent) and gRPC to the ML pod; off without an endpoint.
const tracing = await startTracing("lsp-cell");
const stopTracing = tracing ? () => tracing.stop() : undefined;

const server = createCellServer(settings.config, { logger: log });
await server.listen(settings.port, "0.0.0.0");

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info({ signal }, "Stopping cell API");
    server
      .close()
      .then(() => stopTracing?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, "Unclean shutdown");
          process.exit(1);
        },
      );
  });
}
