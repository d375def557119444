// The operator's local mode: the same placement (operator/placement), the same database
// provisioning (cell/provisioning) and the same tenant moves (cell/moves, see local-moves.ts) as in
// a cluster, with cells run as local processes and routes pushed to the in-process router. Level-triggered: every reconcile starts from what the store
// says, so a restart of the platform picks up where it left off.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { Logger } from "../../common/index.js";
import { cellDatabaseNames, deprovisionTenant, dropCellDatabase, ensureCellDatabase, provisionTenant, DEFAULT_TIMEZONE } from "../../cell/provisioning/index.js";
import { API_VERSION, CellCondition, TenantCondition, type CellSpec, type Condition, type TenantSpec } from "../../operator/api/v1alpha1/index.js";
import { Finalizers } from "../../operator/names.js";
import { placeTenant, type PlacementCell } from "../../operator/placement/placement.js";
import { sameStatus, setConditions, type ConditionInput } from "../../operator/status.js";
import type { ResourceStore, StoredObject } from "../store/resource-store.js";
import type { CellProcesses } from "./cell-processes.js";
import { LocalMoves, type MoveDestination } from "./local-moves.js";

export interface RouteSink {
  set(slug: string, route: { endpoint?: string; suspended?: boolean; hold?: boolean }): void;
  delete(slug: string): void;
}

export interface LocalOperatorOptions {
  store: ResourceStore;
  /** Superuser pool on the platform Postgres (schemas, roles, provisioning). */
  admin: pg.Pool;
  /** Connection string template for cell roles: same host/port/database as the admin's. */
  adminUrl: string;
  processes: CellProcesses;
  routes: RouteSink;
  /** Public URL of a tenant, e.g. slug => `http://${slug}.localhost:8080`. */
  publicUrl: (slug: string) => string;
  redisUrl?: string;
  routerSigningKey: string;
  jwksUrl: string;
  platformKey?: string;
  sharedCellCapacity: number;
  cellVersion: string;
  /** Runs once the tenant is provisioned, before it is reported Ready (the control plane adopts its owner). */
  onTenantProvisioned?: (tenant: { spec: TenantSpec }) => Promise<void>;
  log: Logger;
}

type Key = `Tenant/${string}` | `Cell/${string}`;

export class LocalOperator {
  private readonly queue = new Set<Key>();
  private readonly retries = new Map<Key, number>();
  private running = false;
  private wake: (() => void) | undefined;
  private stopWatching: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  private readonly moves: LocalMoves;

  constructor(private readonly o: LocalOperatorOptions) {
    this.moves = new LocalMoves({
      store: o.store,
      admin: o.admin,
      routes: o.routes,
      log: o.log,
      enqueue: (key) => this.enqueue(key),
      destination: (tenant, placedCell) => this.moveDestination(tenant, placedCell),
    });
  }

  async start(): Promise<void> {
    this.running = true;
    this.stopWatching = [
      this.o.store.watch("Tenant", (e) => this.enqueue(`Tenant/${e.object.metadata.name}`)),
      this.o.store.watch("Cell", (e) => this.enqueue(`Cell/${e.object.metadata.name}`)),
    ];
    for (const cell of await this.o.store.list("Cell")) this.enqueue(`Cell/${cell.metadata.name}`);
    for (const tenant of await this.o.store.list("Tenant")) this.enqueue(`Tenant/${tenant.metadata.name}`);
    this.loop = this.work();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const stop of this.stopWatching) stop();
    this.wake?.();
    await this.loop;
    await this.moves.drain();
  }

  /** True when nothing is queued or waiting for a retry. */
  get idle(): boolean {
    return this.queue.size === 0 && this.retries.size === 0;
  }

  enqueue(key: Key): void {
    this.queue.add(key);
    this.wake?.();
  }

  private async work(): Promise<void> {
    while (this.running) {
      const next = this.queue.values().next();
      if (next.done) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const key = next.value;
      this.queue.delete(key);
      try {
        const requeueMs = key.startsWith("Tenant/") ? await this.reconcileTenant(key.slice(7)) : await this.reconcileCell(key.slice(5));
        this.retries.delete(key);
        if (requeueMs !== undefined) this.later(key, requeueMs);
      } catch (error) {
        const attempt = (this.retries.get(key) ?? 0) + 1;
        this.retries.set(key, attempt);
        const delay = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
        this.o.log.warn({ key, attempt, retryInMs: delay, err: (error as Error).message }, "Reconcile failed; will retry");
        this.later(key, delay);
      }
    }
  }

  private later(key: Key, ms: number): void {
    setTimeout(() => this.running && this.enqueue(key), ms).unref();
  }

  // ---- Cells --------------------------------------------------------------------------------

  private async reconcileCell(name: string): Promise<number | undefined> {
    const cell = await this.o.store.get("Cell", name);
    if (!cell) {
      await this.o.processes.stop(name);
      return undefined;
    }
    const spec = cell.spec as unknown as CellSpec;
    if (cell.metadata.deletionTimestamp) return this.deleteCell(cell, spec);
    await this.ensureFinalizer(cell, Finalizers.cellDatabase);

    // Ensure the cell's schema, API role and migrations before any process starts
    const password = await this.cellPassword(name);
    const db = await withClient(this.o.admin, (c) => ensureCellDatabase(c, name, password));
    const conditions: ConditionInput[] = [{ type: CellCondition.DatabaseReady, status: "True", reason: "SchemaMigrated", message: `schema ${db.schema}, role ${db.role}` }];

    // Ensure the cell API and ML pod run this cell's version
    const running = await this.o.processes.ensure(name, spec.version, {
      databaseUrl: roleUrl(this.o.adminUrl, db.role, password),
      schema: db.schema,
      redisUrl: spec.redis?.enabled === false ? undefined : this.o.redisUrl,
      routerSigningKey: this.o.routerSigningKey,
      jwksUrl: this.o.jwksUrl,
      platformKey: this.o.platformKey,
    });
    const redis = spec.redis?.enabled !== false && this.o.redisUrl;
    conditions.push(
      redis
        ? { type: CellCondition.RedisReady, status: "True", reason: "SharedLocalRedis", message: "local platform Redis" }
        : { type: CellCondition.RedisReady, status: "False", reason: "Disabled", message: "no Redis: dashboards read aggregates uncached" },
      { type: CellCondition.ApiReady, status: running.apiReady ? "True" : "False", reason: running.apiReady ? "ProcessReady" : "ProcessStarting", message: running.endpoint },
      { type: CellCondition.MlReady, status: running.mlReady ? "True" : "False", reason: running.mlReady ? "ProcessReady" : "ProcessStarting", message: `127.0.0.1:${running.mlPort}` },
    );
    const ready = running.apiReady && running.mlReady;
    conditions.push({ type: CellCondition.Ready, status: ready ? "True" : "False", reason: ready ? "Available" : "Starting", message: ready ? "cell API and ML pod answer" : "waiting for processes" });

    const tenants = (await this.o.store.list("Tenant")).filter((t) => (t.status as { cell?: string } | undefined)?.cell === name).length;
    await this.writeStatus(cell, { tenants, occupancy: `${tenants}/${spec.capacity}`, endpoint: running.endpoint, version: spec.version }, conditions);
    // Tenants waiting for this cell move on as soon as it is ready, and tenants whose status (and
    // route) still name the cell's previous endpoint follow it: a version change restarts the
    // cell's processes on new ports, and so does a platform restart.
    if (ready) {
      for (const t of await this.o.store.list("Tenant")) {
        const placed = t.status as { cell?: string; endpoint?: string } | undefined;
        if (placed?.cell === name && (!isReady(t) || placed.endpoint !== running.endpoint)) this.enqueue(`Tenant/${t.metadata.name}`);
      }
    }
    return ready ? undefined : 500;
  }

  private async deleteCell(cell: StoredObject, spec: CellSpec): Promise<undefined> {
    await this.o.processes.stop(cell.metadata.name);
    if (spec.deletionPolicy === "Delete") {
      await withClient(this.o.admin, (c) => dropCellDatabase(c, cell.metadata.name));
      await this.o.admin.query(`delete from local_platform.cell_secrets where cell = $1`, [cell.metadata.name]);
    }
    await this.o.store.removeFinalizer("Cell", cell.metadata.name, Finalizers.cellDatabase);
    this.o.log.info({ cell: cell.metadata.name, policy: spec.deletionPolicy }, "Deleted Cell");
    return undefined;
  }

  /** The cell role's password, like the Secret the cluster operator keeps per cell. */
  private async cellPassword(cell: string): Promise<string> {
    await this.o.admin.query(`create table if not exists local_platform.cell_secrets (cell text primary key, password text not null)`);
    const { rows } = await this.o.admin.query<{ password: string }>(
      `insert into local_platform.cell_secrets (cell, password) values ($1, $2) on conflict (cell) do update set cell = excluded.cell returning password`,
      [cell, randomBytes(24).toString("base64url")],
    );
    return rows[0]!.password;
  }

  // ---- Tenants ------------------------------------------------------------------------------

  private async reconcileTenant(name: string): Promise<number | undefined> {
    const tenant = await this.o.store.get("Tenant", name);
    if (!tenant) return undefined;
    const spec = tenant.spec as unknown as TenantSpec;
    const status = (tenant.status ?? {}) as { cell?: string; tenantId?: string; conditions?: Condition[] };
    if (tenant.metadata.deletionTimestamp) {
      // A move under way owns the tenant's rows in both cells; deprovisioning waits for it to end.
      if (this.moves.busy(name)) return 1_000;
      return this.deleteTenant(tenant, spec, status.cell);
    }
    await this.ensureFinalizer(tenant, Finalizers.tenantData);

    // Ensure the tenant has a cell: keep the one it has, else the placement decision
    let cellName = status.cell;
    if (!cellName) {
      const decision = await this.place(name, spec);
      if (decision.kind === "wait") {
        await this.writeStatus(tenant, { ...status }, [{ type: TenantCondition.Placed, status: "False", reason: decision.reason, message: decision.message }, notReady("Placement", decision.message)]);
        return 5_000;
      }
      if (decision.kind === "create") await this.createCell(decision.cell, decision.class, name);
      cellName = decision.cell;
      await this.writeStatus(tenant, { ...status, cell: cellName }, [{ type: TenantCondition.Placed, status: "True", reason: decision.kind === "create" ? "CellCreated" : "CellChosen", message: `placed in cell ${cellName}` }]);
      return 0;
    }

    // Move the tenant when spec.cell names another cell (its route and status are the move's meanwhile)
    const moving = await this.moves.reconcile(tenant);
    if (moving !== undefined) return moving;

    // Wait for the cell to be ready before provisioning the tenant inside it
    const cell = await this.o.store.get("Cell", cellName);
    const endpoint = (cell?.status as { endpoint?: string } | undefined)?.endpoint;
    if (!cell || !isReady(cell) || !endpoint) {
      await this.writeStatus(tenant, status, [notReady("CellNotReady", `waiting for cell ${cellName}`)]);
      return 1_000;
    }

    // Ensure the tenant's rows (tenant, owner, locations) exist in the cell's schema
    const { tenantId } = await withClient(this.o.admin, (c) =>
      provisionTenant(c, cellName, {
        slug: spec.slug,
        displayName: spec.displayName,
        plan: spec.plan,
        owner: spec.owner,
        locations: (spec.locations ?? []).map((l) => ({ name: l.name, ...(l.timezone && l.timezone !== DEFAULT_TIMEZONE ? { timezone: l.timezone } : {}) })),
      }),
    );

    // Ensure the control plane knows the tenant's owner, so Ready means the owner can log in
    await this.o.onTenantProvisioned?.({ spec });

    // Ensure the router sends the tenant's traffic to its cell (or refuses it while suspended)
    this.o.routes.set(spec.slug, { endpoint, suspended: spec.suspended === true });
    const url = this.o.publicUrl(spec.slug);
    await this.writeStatus(tenant, { ...status, cell: cellName, endpoint, url, tenantId }, [
      { type: TenantCondition.Provisioned, status: "True", reason: "TenantProvisioned", message: `tenant ${tenantId} in schema ${cellDatabaseNames(cellName).schema}` },
      { type: TenantCondition.Routable, status: "True", reason: spec.suspended ? "Suspended" : "RouteActive", message: spec.suspended ? "the router answers 403 while suspended" : url },
      { type: TenantCondition.Ready, status: "True", reason: spec.suspended ? "Suspended" : "Ready", message: spec.suspended ? "suspended" : `serving at ${url}` },
    ]);
    return undefined;
  }

  /**
   * Where a placed tenant should be: the cell spec.cell names, or — once its isolation changed from
   * shared to dedicated — its own dedicated cell, chosen (and created) by the placement rule.
   */
  private async moveDestination(tenant: StoredObject, placedCell: string): Promise<MoveDestination> {
    const spec = tenant.spec as unknown as TenantSpec;
    if (spec.cell) return { cell: spec.cell };
    if (spec.isolation !== "dedicated") return {};
    const placed = await this.o.store.get("Cell", placedCell);
    if ((placed?.spec as unknown as CellSpec | undefined)?.class !== "shared") return {};
    const decision = await this.place(tenant.metadata.name, { ...spec, isolation: "dedicated" });
    if (decision.kind === "wait") return { wait: decision.message };
    if (decision.kind === "create") await this.createCell(decision.cell, decision.class, tenant.metadata.name);
    return { cell: decision.cell };
  }

  private async place(name: string, spec: TenantSpec) {
    const [cells, tenants] = await Promise.all([this.o.store.list("Cell"), this.o.store.list("Tenant")]);
    const occupancy = new Map<string, number>();
    for (const t of tenants) {
      const c = (t.status as { cell?: string } | undefined)?.cell;
      if (c && t.metadata.name !== name) occupancy.set(c, (occupancy.get(c) ?? 0) + 1);
    }
    const view: PlacementCell[] = cells.map((c) => ({ name: c.metadata.name, class: (c.spec as unknown as CellSpec).class, capacity: (c.spec as unknown as CellSpec).capacity, deleting: Boolean(c.metadata.deletionTimestamp) }));
    return placeTenant({ slug: spec.slug, isolation: spec.isolation, ...(spec.cell ? { pinnedCell: spec.cell } : {}) }, { cells: view, occupancy, sharedCellPrefix: "shared" });
  }

  private async createCell(name: string, cellClass: CellSpec["class"], forTenant: string): Promise<void> {
    const spec: CellSpec = {
      class: cellClass,
      capacity: cellClass === "dedicated" ? 1 : this.o.sharedCellCapacity,
      version: this.o.cellVersion,
      api: { replicas: 1 },
      ml: { replicas: 1 },
      redis: { enabled: true },
      deletionPolicy: cellClass === "dedicated" ? "Delete" : "Retain",
    };
    try {
      await this.o.store.create({ apiVersion: API_VERSION, kind: "Cell", metadata: { name, labels: { "localstoreplatform.com/created-for": forTenant } }, spec: spec as unknown as Record<string, unknown> });
      this.o.log.info({ cell: name, class: cellClass, tenant: forTenant }, "Created Cell");
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }

  private async deleteTenant(tenant: StoredObject, spec: TenantSpec, cellName: string | undefined): Promise<undefined> {
    this.o.routes.delete(spec.slug);
    if (cellName) {
      await withClient(this.o.admin, (c) => deprovisionTenant(c, cellName, spec.slug, spec.deletionPolicy === "Delete" ? "delete" : "archive"));
      const cell = await this.o.store.get("Cell", cellName);
      // A dedicated cell belongs to its tenant (an owner reference in the cluster): it goes too.
      if (cell && (cell.spec as unknown as CellSpec).class === "dedicated" && cell.metadata.labels?.["localstoreplatform.com/created-for"] === tenant.metadata.name) {
        await this.o.store.delete("Cell", cellName);
      } else if (cell) {
        this.enqueue(`Cell/${cellName}`);
      }
    }
    await this.o.store.removeFinalizer("Tenant", tenant.metadata.name, Finalizers.tenantData);
    this.o.log.info({ tenant: tenant.metadata.name, cell: cellName, policy: spec.deletionPolicy ?? "Archive" }, "Deleted Tenant");
    return undefined;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private async ensureFinalizer(object: StoredObject, finalizer: string): Promise<void> {
    if (object.metadata.finalizers?.includes(finalizer)) return;
    await this.o.store.update({ ...object, metadata: { ...object.metadata, finalizers: [...(object.metadata.finalizers ?? []), finalizer] } });
  }

  private async writeStatus(object: StoredObject, fields: Record<string, unknown>, conditions: ConditionInput[]): Promise<void> {
    const fresh = (await this.o.store.get(object.kind as "Tenant" | "Cell", object.metadata.name)) ?? object;
    const current = (fresh.status ?? {}) as { conditions?: Condition[] };
    const next = { ...fields, observedGeneration: fresh.metadata.generation, conditions: setConditions(current.conditions, conditions, fresh.metadata.generation) };
    // An unchanged status is not written: the write would wake this reconcile again, forever.
    if (sameStatus(fresh.status ?? {}, next)) return;
    await this.o.store.updateStatus(object.kind as "Tenant" | "Cell", object.metadata.name, next);
  }
}

function notReady(reason: string, message: string): ConditionInput {
  return { type: TenantCondition.Ready, status: "False", reason, message };
}

function isReady(object: StoredObject): boolean {
  return ((object.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function roleUrl(adminUrl: string, role: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = role;
  url.password = password;
  return url.toString();
}

async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}
