// `npx tsx operator/main.ts --help`: runs the LSP operator (Tenant and Cell controllers).
import { Command, Option } from "commander";
import { startTracing } from "../observability/index.js";
import { configFromEnv, InvalidConfigError, startOperator, type OperatorConfigInput } from "./index.js";

const program = new Command("lsp-operator")
  .description("Reconciles Tenants and Cells: places tenants in cells, provisions cell databases and workloads.\nEvery flag has an environment variable; flags win.")
  .addOption(new Option("--database-url <url>", "platform Postgres admin connection string").env("PLATFORM_DATABASE_URL"))
  .addOption(new Option("--kubeconfig <path>", "kubeconfig file (default: in-cluster or $KUBECONFIG)"))
  .addOption(new Option("--cell-image-repository <repo>", "cell API image; the tag is Cell.spec.version (default ghcr.io/localstoreplatform/cell)").env("CELL_IMAGE_REPOSITORY"))
  .addOption(new Option("--ml-image-repository <repo>", "cell ML image (default ghcr.io/localstoreplatform/cell-ml)").env("ML_IMAGE_REPOSITORY"))
  .addOption(new Option("--redis-image <image>", "Redis image for cells (default redis:8.2-alpine)").env("REDIS_IMAGE"))
  .addOption(new Option("--domain <domain>", "tenants' public domain: https://{slug}.{domain} (default localstoreplatform.com)").env("LSP_DOMAIN"))
  .addOption(new Option("--cluster-domain <domain>", "the cluster's DNS domain, in cell endpoints and Redis/ML URLs (default cluster.local)").env("CLUSTER_DOMAIN"))
  .addOption(new Option("--shared-cell-prefix <prefix>", "name prefix of shared cells the operator creates (default shared)").env("SHARED_CELL_PREFIX"))
  .addOption(new Option("--shared-cell-capacity <n>", "capacity of shared cells the operator creates (default 100)").env("SHARED_CELL_CAPACITY"))
  .addOption(new Option("--move-settled-below <changes>", "a move holds the tenant only once a catch-up pass applied fewer changes than this (default 500; 0 = never hold)").env("MOVE_SETTLED_BELOW"))
  .addOption(new Option("--cell-version <tag>", "image tag new cells start on (default 0.1.0)").env("CELL_VERSION"))
  .addOption(new Option("--instance <name>", "only watch objects labelled localstoreplatform.com/instance=<name>").env("OPERATOR_INSTANCE"))
  .addOption(new Option("--workers <n>", "concurrent Tenant reconciles (default 4)").env("OPERATOR_WORKERS"))
  .addOption(new Option("--no-leader-election", "run without a Lease (only ever one replica!)"))
  .addOption(new Option("--lease-namespace <ns>", "namespace of the leader-election Lease (default kube-system)").env("LEASE_NAMESPACE"))
  .addOption(new Option("--lease-name <name>", "name of the Lease (default lsp-operator)").env("LEASE_NAME"))
  .addOption(new Option("--identity <id>", "this replica's name in the Lease (default hostname-pid)").env("POD_NAME"))
  .addOption(new Option("--http-port <port>", "port of /healthz, /readyz, /metrics (default 8081)").env("HTTP_PORT"))
  .addOption(new Option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (default info)").env("LOG_LEVEL"))
  .addHelpText("after", "\nExample:\n  PLATFORM_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres npx tsx operator/main.ts --kubeconfig .lsp/cluster/kubeconfig\n\nSee docs/operator.md.");

program.parse();
const o = program.opts<Record<string, string | boolean | undefined>>();
const fromFlags: Partial<OperatorConfigInput> = Object.fromEntries(
  Object.entries({
    platformDatabaseUrl: o.databaseUrl,
    kubeconfig: o.kubeconfig,
    cellImageRepository: o.cellImageRepository,
    mlImageRepository: o.mlImageRepository,
    redisImage: o.redisImage,
    domain: o.domain,
    clusterDomain: o.clusterDomain,
    sharedCellPrefix: o.sharedCellPrefix,
    sharedCellCapacity: o.sharedCellCapacity,
    moveSettledBelow: o.moveSettledBelow,
    cellVersion: o.cellVersion,
    instance: o.instance,
    workers: o.workers,
    leaderElection: o.leaderElection === false ? false : undefined,
    leaseNamespace: o.leaseNamespace,
    leaseName: o.leaseName,
    identity: o.identity,
    httpPort: o.httpPort,
    logLevel: o.logLevel,
  }).filter(([, v]) => v !== undefined),
);

// Spans exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (see docs/observability.md).
const tracing = await startTracing("lsp-operator");
try {
  const operator = await startOperator({ ...configFromEnv(), ...fromFlags } as OperatorConfigInput, { onLeaseLost: () => process.exit(1) });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void operator.stop(signal).then(() => tracing?.stop()).then(() => process.exit(0)));
  const { reason } = await operator.stopped;
  if (reason === "lease lost") process.exit(1);
} catch (error) {
  if (error instanceof InvalidConfigError) {
    console.error(`${error.message}\nRun with --help for the settings.`);
    process.exit(2);
  }
  throw error;
}
