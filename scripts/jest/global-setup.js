// Starts real Postgres, Redis and a Kubernetes control plane once for the integration tests and
// hands their addresses to test workers through the environment. Plain ESM that loads the
// TypeScript service code through tsx, because jest's globalSetup bypasses its own transforms.
import { tsImport } from "tsx/esm/api";

export default async function globalSetup() {
  const { requestedServices, startTestServices } = await tsImport("../services/test-services.ts", import.meta.url);
  const started = Date.now();
  const log = (m) => process.stderr.write(`[test services] ${m}\n`);
  const wanted = requestedServices();
  log(`starting ${[...wanted].join(", ")}`);
  const services = await startTestServices(log, wanted);
  globalThis.__LSP_TEST_SERVICES__ = services;
  process.env.LSP_TEST_STATE_DIR = services.stateDir;
  if (services.postgres) process.env.DATABASE_URL = services.postgres.url;
  if (services.redis) process.env.REDIS_URL = services.redis.url;
  if (services.cluster) process.env.KUBECONFIG = services.cluster.kubeconfig;
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
