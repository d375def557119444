// Keeps the control plane's copies current: for every tenant, pull its usage and re-sync the
// last few days of daily sales (every day since its last successful sync, after an outage) from
// the cell that serves it. One tenant's failure (its cell is down) never stops the others, nor
// one step's the other; its cursor stays put and the next round catches up.
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type pg from "pg";
import type { Logger } from "../../common/logger.js";
import { GROUP, TENANT_PLURAL, VERSION, type Tenant } from "../../operator/api/v1alpha1/index.js";
import { MAX_DAILY_RANGE_DAYS } from "../../cell/usage-feed/index.js";
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
  /** The platform's master key: each cell is shown the key derived from it for its endpoint (httpCellFeed). */
  platformKey: string;
  targets: () => Promise<SyncTarget[]>;
  /**
   * Local days re-synced each round at least, today included (late orders land on recent days);
   * default 3. A tenant not synced for longer is re-synced from the day before its last
   * successful sync (resyncFrom).
   */
  resyncDays?: number;
  intervalMs?: number;
  metrics?: UsageMetrics;
  log?: Logger;
  /** Tests inject feeds; default is the cell's HTTP usage feed. */
  feedFor?: (target: SyncTarget) => CellFeed;
  /** Called after each tenant's steps and at the end of a round: the loop is moving. */
  onProgress?: () => void;
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
  const targets = await options.targets();
  const lastSyncs = await lastSuccessfulSyncs(options.pool, targets.map((t) => t.tenantSlug));
  const result: RoundResult = { synced: [], failed: [] };
  for (const target of targets) {
    const key = `${target.cell}|${target.baseUrl}`;
    let feed = feeds.get(key);
    if (!feed) feeds.set(key, (feed = feedFor(target)));
    const from = resyncFrom(to, days, lastSyncs.get(target.tenantSlug));
    // Separate steps: a usage problem (a failing gauges call, say) must not freeze the rollups, nor the reverse.
    const errors = [
      await attempt(options, target, "usage", () => pullTenantUsage({ pool: options.pool, feed, tenantSlug: target.tenantSlug, ...(options.metrics ? { metrics: options.metrics } : {}), ...(options.log ? { log: options.log } : {}) })),
      await attempt(options, target, "daily sales", () => syncDailySales(options.pool, feed, target.tenantSlug, from, to)),
    ].filter((e) => e !== undefined);
    if (errors.length === 0) result.synced.push(target.tenantSlug);
    else result.failed.push({ tenantSlug: target.tenantSlug, cell: target.cell, error: errors.join("; ") });
    options.onProgress?.();
  }
  options.onProgress?.();
  return result;
}

/** Runs one step of a tenant's sync; a failure is logged and returned as its message, never thrown. */
async function attempt(options: CellSyncOptions, target: SyncTarget, step: string, work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    options.log?.warn({ tenant: target.tenantSlug, cell: target.cell, err: error }, `Failed to sync ${step}`);
    return `${step}: ${(error as Error).message}`;
  }
}

/** When each tenant's daily sales were last synced successfully (rollups.tenant_cells.synced_at). */
async function lastSuccessfulSyncs(pool: pg.Pool, tenants: string[]): Promise<Map<string, Date>> {
  const { rows } = await pool.query<{ tenant_slug: string; synced_at: Date }>(`select tenant_slug, synced_at from rollups.tenant_cells where tenant_slug = any($1)`, [tenants]);
  return new Map(rows.map((r) => [r.tenant_slug, r.synced_at]));
}

/**
 * First local day to re-sync up to `to`: the last `days` days always (late orders land on recent
 * days); after an outage, back to the day before the last successful sync, so no day the cells
 * changed meanwhile is left stale; for a tenant never synced, everything the feed serves. At most
 * the feed's range (MAX_DAILY_RANGE_DAYS, the same 400 days owners can query).
 */
function resyncFrom(to: string, days: number, lastSync: Date | undefined): string {
  const earliest = addDays(to, -(MAX_DAILY_RANGE_DAYS - 1));
  const recent = addDays(to, -(Math.max(1, days) - 1));
  const sinceLastSync = lastSync ? addDays(localDateOf(lastSync), -1) : earliest;
  const from = sinceLastSync < recent ? sinceLastSync : recent;
  return from < earliest ? earliest : from;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export interface CellSyncLoop {
  stop(): Promise<void>;
  /**
   * When the loop last moved (ms since the epoch): a tenant synced or failed, a round ended, or
   * the wait before the next round began; the start time before any of that. A loop stuck on a
   * query or a request that never returns stops moving; one whose cells are all down does not
   * (each failure is progress).
   */
  lastProgressAt(): number;
}

/** Runs rounds back to back with `intervalMs` between them (never overlapping) until stopped. */
export function startCellSync(options: CellSyncOptions): CellSyncLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let progressAt = Date.now();
  const tracked: CellSyncOptions = {
    ...options,
    onProgress: () => {
      progressAt = Date.now();
      options.onProgress?.();
    },
  };
  const loop = () => {
    if (stopped) return;
    progressAt = Date.now();
    running = syncRound(tracked)
      .catch((err: unknown) => options.log?.error({ err }, "Sync round failed"))
      .finally(() => {
        progressAt = Date.now();
        if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 60_000);
      });
  };
  loop();
  return {
    lastProgressAt: () => progressAt,
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
