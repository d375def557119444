// The router as a process: `npx tsx router/main.ts --help`.
import { Command, InvalidArgumentError, Option } from "commander";
import { createLogger } from "../common/index.js";
import { startTracing } from "../observability/index.js";
import type { RouteSource } from "./index.js";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
}

function positiveMs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive whole number of milliseconds");
  return n;
}

const program = new Command()
  .name("lsp-router")
  .description(
    "Routes <tenant>.<domain> to the cell serving that tenant.\n" +
      "Requires ROUTER_SIGNING_KEY (>= 16 bytes): the master key of the x-lsp-tenant header. Each cell verifies with its own key, derived from this one and the cell's endpoint (the operator gives cells theirs).",
  )
  .addOption(new Option("--source <source>", "where routes come from: Tenant objects in Kubernetes, or a JSON file").choices(["kubernetes", "file"]).default("kubernetes"))
  .option("--routes-file <path>", 'with --source file: JSON file {"routes": {"<slug>": {"endpoint": "http://..."}}}, re-read on change')
  .option("--port <port>", "public port", port, 8080)
  .option("--host <address>", "interface to listen on", "0.0.0.0")
  .option("--admin-port <port>", "port for /healthz and /metrics", port, 9090)
  .option("--domain <domain...>", "base domain(s); tenants are served at <slug>.<domain>", ["localstoreplatform.com"])
  .option("--state-file <path>", "keep the last good route table here; used at start when the source is down", "/var/lib/lsp-router/routes.json")
  .option("--forwarded-proto <proto>", "X-Forwarded-Proto to send to cells (https behind a TLS load balancer)", "https")
  .option("--upstream-timeout <ms>", "504 when a cell has not started answering within this time", positiveMs, 30_000)
  .option("--hold-timeout <ms>", "longest a request waits for a tenant being moved", positiveMs, 5_000)
  .addOption(
    new Option("--engine <engine>", "HTTP engine: raw (the router's own strict HTTP/1.1 framing on node:net sockets) or node (node:http + undici)")
      .choices(["raw", "node"])
      .default("raw"),
  )
  .addHelpText(
    "after",
    "\nExamples:\n" +
      "  ROUTER_SIGNING_KEY=... lsp-router --source kubernetes --domain localstoreplatform.com\n" +
      "  ROUTER_SIGNING_KEY=... lsp-router --source file --routes-file routes.json --domain localhost --port 8080 --state-file .lsp/routes.json",
  );

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{
    source: "kubernetes" | "file";
    routesFile?: string;
    port: number;
    host: string;
    adminPort: number;
    domain: string[];
    stateFile: string;
    forwardedProto: string;
    upstreamTimeout: number;
    holdTimeout: number;
    engine: "node" | "raw";
  }>();
  const signingKey = process.env.ROUTER_SIGNING_KEY;
  if (!signingKey || signingKey.length < 16) program.error("error: ROUTER_SIGNING_KEY must be set to a key of at least 16 bytes");
  if (opts.source === "file" && !opts.routesFile) program.error("error: --source file needs --routes-file <path>");
  const log = createLogger("router");
  // Tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before the router's modules load node:http.
  const tracing = await startTracing("lsp-router");
  const { createRouter, FileRouteSource, KubernetesRouteSource } = await import("./index.js");
  const routes: RouteSource = opts.source === "file" ? new FileRouteSource(opts.routesFile!, log) : new KubernetesRouteSource({ log });
  const router = createRouter({
    port: opts.port,
    host: opts.host,
    adminPort: opts.adminPort,
    baseDomains: opts.domain,
    signingKey: signingKey!,
    routes,
    stateFile: opts.stateFile,
    forwardedProto: opts.forwardedProto,
    tracing: tracing !== undefined,
    engine: opts.engine,
    limits: { upstreamTimeoutMs: opts.upstreamTimeout, holdTimeoutMs: opts.holdTimeout },
    logger: log,
  });
  await router.listen();
  const stop = (signal: string) => {
    log.info({ signal }, "Stopping router");
    router.close().then(
      () => void (tracing?.stop() ?? Promise.resolve()).finally(() => process.exit(0)),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main().catch((error: Error) => {
  process.stderr.write(`lsp-router: ${error.message}\n`);
  process.exit(1);
});
