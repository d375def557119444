// `--local`: the whole platform on this machine (local-platform/platform.ts), a fresh tenant
// signed up through the router, a MoMo account for its webhooks. Stops everything afterwards.
import { join } from "node:path";
import { createLogger } from "../../common/index.js";
import { startLocalPlatform, type LocalPlatform } from "../../local-platform/platform.js";
import { freePort } from "../../scripts/services/processes.js";
import type { MomoAccount } from "./k6.js";
import { configureLocalPayments, loadTestMomoAccount } from "./payments.js";
import { signupTenant, type LoadTarget } from "./tenant-setup.js";

export interface PreparedPlatform {
  target: LoadTarget;
  momo: MomoAccount;
  /** The Cell the operator placed the tenant in (Tenant status.cell): results are this cell's. */
  cell?: string;
  stop(): Promise<void>;
}

/** Signs up `slug` on a running local platform; payments must have been configured before its cell started. */
export async function prepareTenant(platform: Pick<LocalPlatform, "routerUrl" | "tenantUrl">, slug: string): Promise<LoadTarget> {
  return signupTenant({ controlPlaneUrl: platform.tenantUrl("app"), slug, tenantUrl: platform.tenantUrl });
}

/** The Cell the operator placed `slug` in (Tenant status.cell), once it is placed. */
export async function servingCell(platform: Pick<LocalPlatform, "store">, slug: string): Promise<string | undefined> {
  const cell = (await platform.store.get("Tenant", slug))?.status?.cell;
  return typeof cell === "string" ? cell : undefined;
}

export async function startLocalTarget(dataDir: string, slug: string, progress: (step: string) => void): Promise<PreparedPlatform> {
  const momo = loadTestMomoAccount();
  configureLocalPayments(join(dataDir, "payment-providers.json"), slug, momo);
  const platform = await startLocalPlatform({
    dataDir,
    port: await freePort(),
    apiPort: await freePort(),
    kubeconfigPath: join(dataDir, "kubeconfig"),
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL,
    progress,
    logger: createLogger("loadtest", "warn"),
  });
  try {
    progress(`signing up tenant ${slug}`);
    const target = await prepareTenant(platform, slug);
    const cell = await servingCell(platform, slug);
    return { target, momo, ...(cell ? { cell } : {}), stop: () => platform.stop() };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}
