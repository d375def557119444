// Tenant moves on the local platform: when spec.cell names another cell than the one the tenant
// is in, the same database move as in a cluster (cell/moves: copy, catch up, checkpoint verify,
// fence, verify, switch, clean up) runs with the local runtime underneath — the in-process router
// holds the tenant's requests, then serves it from the target cell's process. The move row in
// lsp_moves.moves is the truth, so a platform stopped mid-move rolls back (before the switch) or
// finishes (after it) on the next start.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../common/index.js";
import { BEFORE_SWITCH, cleanupSource, findActiveMove, moveTenant, rollbackMove, type MoveRecord } from "../../cell/moves/index.js";
import { cellDatabaseNames } from "../../cell/provisioning/index.js";
import type { Condition, TenantMoveStatus, TenantSpec } from "../../operator/api/v1alpha1/index.js";
import { sameStatus } from "../../operator/status.js";
import type { ResourceStore, StoredObject } from "../store/resource-store.js";
import type { RouteSink } from "./local-operator.js";

/** The cell a placed tenant should be in (undefined: where it is), or why that cannot be known yet. */
export type MoveDestination = { cell?: string; wait?: undefined } | { wait: string };

export interface LocalMovesOptions {
  store: ResourceStore;
  admin: pg.Pool;
  routes: RouteSink;
  log: Logger;
  /** spec.cell, or the dedicated cell of a tenant whose isolation became dedicated. */
  destination(tenant: StoredObject, placedCell: string): Promise<MoveDestination>;
  /** Reconcile these objects again (the tenant once its move ends, both cells for their counts). */
  enqueue(key: `Tenant/${string}` | `Cell/${string}`): void;
  /** Time the source copy is kept after the switch, for requests already in flight there. */
  cleanupGraceMs?: number;
  /** A move that rolled back is tried again after this long, not in a hot loop. */
  retryAfterMs?: number;
}

interface TenantStatus {
  cell?: string;
  endpoint?: string;
  tenantId?: string;
  hold?: boolean;
  move?: TenantMoveStatus;
  conditions?: Condition[];
}

export class LocalMoves {
  private readonly running = new Map<string, Promise<void>>();
  private readonly retryAt = new Map<string, number>();

  constructor(private readonly o: LocalMovesOptions) {}

  /**
   * Undefined when the tenant has no move to make (its reconcile carries on); otherwise the move is
   * under way (or waiting) and the reconcile stops here, to run again after the returned ms.
   */
  async reconcile(tenant: StoredObject): Promise<number | undefined> {
    const name = tenant.metadata.name;
    if (this.running.has(name)) return 1_000;
    const status = (tenant.status ?? {}) as TenantStatus;
    if (!status.cell || !status.tenantId) return undefined;
    const leftover = await this.withClient((c) => findActiveMove(c, status.tenantId!));
    if (leftover) return this.recover(tenant, leftover);
    const destination = await this.o.destination(tenant, status.cell);
    if (destination.wait !== undefined) {
      await this.patchStatus(name, { move: { id: "", phase: "Pending", from: status.cell, to: "", message: destination.wait } });
      return 5_000;
    }
    const to = destination.cell;
    if (!to || to === status.cell) return undefined;

    const target = await this.o.store.get("Cell", to);
    const endpoint = (target?.status as { endpoint?: string } | undefined)?.endpoint;
    if (!target || !isReady(target) || !endpoint) {
      await this.patchStatus(name, { move: { id: "", phase: "Pending", from: status.cell, to, message: `waiting for cell ${to} to exist and be Ready` } });
      return 2_000;
    }
    const retryAt = this.retryAt.get(name) ?? 0;
    if (retryAt > Date.now()) return retryAt - Date.now();
    this.running.set(
      name,
      this.move(tenant, status.cell, to, endpoint).finally(() => {
        this.running.delete(name);
        this.o.enqueue(`Tenant/${name}`);
      }),
    );
    return 1_000;
  }

  /** True while the tenant's move runs. */
  busy(tenant: string): boolean {
    return this.running.has(tenant);
  }

  /** Waits for the moves under way (the platform is stopping). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async move(tenant: StoredObject, from: string, to: string, toEndpoint: string): Promise<void> {
    const name = tenant.metadata.name;
    const spec = tenant.spec as unknown as TenantSpec;
    const status = tenant.status as TenantStatus;
    const fromEndpoint = status.endpoint;
    const suspended = spec.suspended === true;
    const base = { from, to, startedAt: new Date().toISOString() };
    // A fresh id per attempt: an interrupted attempt is found by tenant (findActiveMove), not by id.
    const id = `local/${name}/${randomUUID()}`;
    try {
      await this.withClient(async (client) => {
        await this.patchStatus(name, { move: { id, phase: "Copying", ...base, message: `copying the tenant's rows from cell ${from} to ${to}` } });
        this.o.log.info({ tenant: name, from, to, move: id }, "Started Tenant move");
        const report = await moveTenant(
          client,
          { moveId: id, tenantId: status.tenantId!, sourceSchema: cellDatabaseNames(from).schema, targetSchema: cellDatabaseNames(to).schema },
          {
            // The in-process router applies a route at once, so the fence may follow immediately.
            hold: async () => {
              this.o.routes.set(spec.slug, { endpoint: fromEndpoint, suspended, hold: true });
              await this.patchStatus(name, { hold: true, move: { id, phase: "Holding", ...base, holdStartedAt: new Date().toISOString() } });
            },
            switchRoute: async () => {
              this.o.routes.set(spec.slug, { endpoint: toEndpoint, suspended });
              await this.patchStatus(name, { cell: to, endpoint: toEndpoint, hold: false, move: { id, phase: "Switched", ...base, message: `serving from cell ${to}` } });
            },
            release: async () => {
              this.o.routes.set(spec.slug, { endpoint: fromEndpoint, suspended });
              await this.patchStatus(name, { hold: false });
            },
            beforeCleanup: () => sleep(this.o.cleanupGraceMs ?? 2_000),
          },
        );
        const rows = Object.values(report.copiedRows).reduce((a, b) => a + b, 0);
        await this.patchStatus(name, { move: { id, phase: "Done", ...base, message: `moved ${rows} rows; requests held ${Math.round(report.holdMs)} ms; the source copy is removed` } });
        this.o.log.info({ tenant: name, from, to, rows, holdMs: Math.round(report.holdMs) }, "Moved Tenant");
      });
      this.retryAt.delete(name);
    } catch (error) {
      // moveTenant rolled the database back if the switch had not happened; the status says so.
      const message = (error as Error).message;
      this.retryAt.set(name, Date.now() + (this.o.retryAfterMs ?? 30_000));
      this.o.log.warn({ tenant: name, from, to, err: message }, "Tenant move failed; rolled back, will retry");
      const now = (await this.o.store.get("Tenant", name))?.status as TenantStatus | undefined;
      const switched = now?.cell === to;
      await this.patchStatus(name, { move: { id, phase: switched ? "Switched" : "RolledBack", ...base, message } }).catch(() => {});
    } finally {
      this.o.enqueue(`Cell/${from}`);
      this.o.enqueue(`Cell/${to}`);
    }
  }

  /** A move the database records as unfinished, left by a platform that stopped during it. */
  private async recover(tenant: StoredObject, move: MoveRecord): Promise<number> {
    const name = tenant.metadata.name;
    const cells = await this.o.store.list("Cell");
    // The move row names schemas; the cells are the ones whose schema that is.
    const cellOf = (schema: string) => cells.find((c) => cellDatabaseNames(c.metadata.name).schema === schema);
    const [from, to] = [cellOf(move.sourceSchema), cellOf(move.targetSchema)];
    const shown: TenantMoveStatus = { id: move.id, phase: "Pending", from: from?.metadata.name ?? move.sourceSchema, to: to?.metadata.name ?? move.targetSchema };
    await this.withClient(async (client) => {
      if (BEFORE_SWITCH.includes(move.phase)) {
        // The source is still authoritative: drop the capture and the partial copy, serve from the source.
        await rollbackMove(client, move.id, "the local platform stopped during the move", "RolledBack");
        await this.patchStatus(name, { hold: false, move: { ...shown, phase: "RolledBack", message: "the local platform stopped during the move; nothing lost, will try again" } });
      } else {
        // Past the switch the target is authoritative: route there (the stop may have come before), then remove the source copy.
        const endpoint = (to?.status as { endpoint?: string } | undefined)?.endpoint;
        if (!to || !endpoint) throw new Error(`move ${move.id} switched to schema ${move.targetSchema}; waiting for the cell with that schema to be ready`);
        await this.patchStatus(name, { cell: to.metadata.name, endpoint, hold: false });
        await cleanupSource(client, move.id);
        await this.patchStatus(name, { move: { ...shown, phase: "Done", message: "moved; the source copy is removed (finished after a restart)" } });
      }
    });
    this.o.log.info({ tenant: name, move: move.id, phase: move.phase }, "Recovered Tenant move after a restart");
    return 0;
  }

  private async patchStatus(name: string, fields: Partial<TenantStatus>): Promise<void> {
    const fresh = await this.o.store.get("Tenant", name);
    if (!fresh) return;
    const next = { ...(fresh.status ?? {}), ...fields };
    // An unchanged status is not written: the write would wake the tenant's reconcile again, forever.
    if (sameStatus(fresh.status ?? {}, next)) return;
    await this.o.store.updateStatus("Tenant", name, next);
  }

  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.o.admin.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }
}

function isReady(object: StoredObject): boolean {
  return ((object.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}
