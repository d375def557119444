// Keeps the control plane's copies current: for every tenant, pull its usage and re-sync the
// last few days of daily sales from the cell that serves it. One tenant's failure (its cell is
// down) never stops the others; its cursor stays put and the next round catches up.
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type pg from "pg";
import type { Logger } from "../../common/logger.js";
import { GROUP, TENANT_PLURAL, VERSION, type Tenant } from "../../operator/api/v1alpha1/index.js";
import { localDateOf } from "../billing/index.js";
import { httpCellFeed, pullTenantUsage, type CellFeed, type UsageMetrics } from "../usage/index.js";
import { syncDailySales } from "./sync.js";

export interface SyncTarget {
  tenantSlug: string;
  cell: string;
  /** The cell API's base URL (Tenant status.endpoint). */
  baseUrl: string;
}

export interface CellSyncOptions {
  pool: pg.Pool;
  platformKey: string;
  targets: () => Promise<SyncTarget[]>;
  /** Local days re-synced each round, today included (late orders land on recent days); default 3. */
  resyncDays?: number;
  intervalMs?: number;
  metrics?: UsageMetrics;
  log?: Logger;
  /** Tests inject feeds; default is the cell's HTTP usage feed. */
  feedFor?: (target: SyncTarget) => CellFeed;
}

export interface RoundResult {
  synced: string[];
  failed: { tenantSlug: string; cell: string; error: string }[];
}

export async function syncRound(options: CellSyncOptions, now = new Date()): Promise<RoundResult> {
  const feeds = new Map<string, CellFeed>();
  const feedFor = options.feedFor ?? ((t: SyncTarget) => httpCellFeed({ cell: t.cell, baseUrl: t.baseUrl, platformKey: options.platformKey }));
  const days = options.resyncDays ?? 3;
  const to = localDateOf(now);
  const from = localDateOf(new Date(now.getTime() - (days - 1) * 86_400_000));
  const result: RoundResult = { synced: [], failed: [] };
  for (const target of await options.targets()) {
    const key = `${target.cell}|${target.baseUrl}`;
    let feed = feeds.get(key);
    if (!feed) feeds.set(key, (feed = feedFor(target)));
    try {
      await pullTenantUsage({ pool: options.pool, feed, tenantSlug: target.tenantSlug, ...(options.metrics ? { metrics: options.metrics } : {}) });
      await syncDailySales(options.pool, feed, target.tenantSlug, from, to);
      result.synced.push(target.tenantSlug);
    } catch (error) {
      result.failed.push({ tenantSlug: target.tenantSlug, cell: target.cell, error: (error as Error).message });
      options.log?.warn({ tenant: target.tenantSlug, cell: target.cell, err: error }, "Failed to sync usage and daily sales");
    }
  }
  return result;
}

/** Runs rounds back to back with `intervalMs` between them (never overlapping) until stopped. */
export function startCellSync(options: CellSyncOptions): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    running = syncRound(options)
      .catch((err: unknown) => options.log?.error({ err }, "Sync round failed"))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 60_000);
      });
  };
  loop();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Every placed Tenant in the cluster: its slug, its cell and that cell's endpoint (from status). */
export function kubernetesTargets(kubeConfig: KubeConfig): () => Promise<SyncTarget[]> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  return async () => {
    const list = (await api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL })) as { items: Tenant[] };
    return list.items.filter((t) => t.status?.cell && t.status.endpoint).map((t) => ({ tenantSlug: t.spec.slug, cell: t.status!.cell!, baseUrl: t.status!.endpoint! }));
  };
}
