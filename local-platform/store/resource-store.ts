// Where the local platform keeps Tenant and Cell objects: a table in the platform's Postgres, with
// Kubernetes' semantics where our code relies on them — generation bumps on spec changes only,
// optimistic concurrency by resourceVersion, finalizers delay deletion, and every change is
// announced to in-process watchers (the local operator and the router's route source).
import { EventEmitter } from "node:events";
import type pg from "pg";
import type { CustomObject, ResourceKind } from "../api/manifests.js";

export interface StoredObject extends CustomObject {
  metadata: {
    name: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

export type WatchEvent = { type: "ADDED" | "MODIFIED" | "DELETED"; object: StoredObject };

export class ResourceConflictError extends Error {
  readonly code = 409;
  constructor(kind: string, name: string) {
    super(`Operation cannot be fulfilled on ${kind.toLowerCase()}s.localstoreplatform.com "${name}": the object has been modified; please apply your changes to the latest version and try again`);
  }
}

export class ResourceNotFoundError extends Error {
  readonly code = 404;
  constructor(kind: string, name: string) {
    super(`${kind.toLowerCase()}s.localstoreplatform.com "${name}" not found`);
  }
}

export class ResourceExistsError extends Error {
  readonly code = 409;
  constructor(kind: string, name: string) {
    super(`${kind.toLowerCase()}s.localstoreplatform.com "${name}" already exists`);
  }
}

const SCHEMA = "local_platform";

interface Row {
  kind: ResourceKind;
  name: string;
  uid: string;
  generation: string;
  resource_version: string;
  created_at: Date;
  deletion_timestamp: Date | null;
  metadata: { finalizers?: string[]; labels?: Record<string, string>; annotations?: Record<string, string> };
  api_version: string;
  spec: Record<string, unknown>;
  status: Record<string, unknown> | null;
}

function toObject(row: Row): StoredObject {
  const metadata: StoredObject["metadata"] = {
    name: row.name,
    uid: row.uid,
    generation: Number(row.generation),
    resourceVersion: row.resource_version,
    creationTimestamp: row.created_at.toISOString().replace(/\.\d{3}Z$/, "Z"),
    ...(row.deletion_timestamp ? { deletionTimestamp: row.deletion_timestamp.toISOString().replace(/\.\d{3}Z$/, "Z") } : {}),
    ...(row.metadata.finalizers?.length ? { finalizers: row.metadata.finalizers } : {}),
    ...(row.metadata.labels ? { labels: row.metadata.labels } : {}),
    ...(row.metadata.annotations ? { annotations: row.metadata.annotations } : {}),
  };
  return { apiVersion: row.api_version, kind: row.kind, metadata, spec: row.spec, ...(row.status ? { status: row.status } : {}) };
}

export class ResourceStore {
  private readonly events = new EventEmitter();

  constructor(private readonly pool: pg.Pool) {
    this.events.setMaxListeners(100);
  }

  static async open(pool: pg.Pool): Promise<ResourceStore> {
    await pool.query(`
      create schema if not exists ${SCHEMA};
      create sequence if not exists ${SCHEMA}.resource_versions;
      create table if not exists ${SCHEMA}.resources (
        kind text not null,
        name text not null,
        uid uuid not null default gen_random_uuid(),
        generation bigint not null default 1,
        resource_version bigint not null default nextval('${SCHEMA}.resource_versions'),
        created_at timestamptz not null default now(),
        deletion_timestamp timestamptz,
        metadata jsonb not null default '{}',
        api_version text not null,
        -- json, not jsonb: keeps the manifest's key order for people reading it back
        spec json not null,
        status json,
        primary key (kind, name)
      );`);
    return new ResourceStore(pool);
  }

  /** Calls `listener` for every change of `kind`; returns a function that stops watching. */
  watch(kind: ResourceKind, listener: (event: WatchEvent) => void): () => void {
    this.events.on(kind, listener);
    return () => this.events.off(kind, listener);
  }

  private emit(type: WatchEvent["type"], object: StoredObject): void {
    this.events.emit(object.kind, { type, object });
  }

  async list(kind: ResourceKind): Promise<StoredObject[]> {
    const { rows } = await this.pool.query<Row>(`select * from ${SCHEMA}.resources where kind = $1 order by name`, [kind]);
    return rows.map(toObject);
  }

  async get(kind: ResourceKind, name: string): Promise<StoredObject | undefined> {
    const { rows } = await this.pool.query<Row>(`select * from ${SCHEMA}.resources where kind = $1 and name = $2`, [kind, name]);
    return rows[0] ? toObject(rows[0]) : undefined;
  }

  async create(object: CustomObject): Promise<StoredObject> {
    const kind = object.kind as ResourceKind;
    const metadata = pickMetadata(object.metadata);
    const { rows } = await this.pool.query<Row>(
      `insert into ${SCHEMA}.resources (kind, name, metadata, api_version, spec, status) values ($1, $2, $3, $4, $5, null)
       on conflict (kind, name) do nothing returning *`,
      [kind, object.metadata.name, metadata, object.apiVersion, object.spec],
    );
    if (!rows[0]) throw new ResourceExistsError(kind, object.metadata.name);
    const stored = toObject(rows[0]);
    this.emit("ADDED", stored);
    return stored;
  }

  /** Replaces spec and metadata (labels, annotations, finalizers); bumps generation when the spec changed. */
  async update(object: CustomObject & { metadata: { resourceVersion?: string } }): Promise<StoredObject> {
    const kind = object.kind as ResourceKind;
    const { rows } = await this.pool.query<Row>(
      `update ${SCHEMA}.resources set
         generation = case when spec::jsonb = $4::jsonb then generation else generation + 1 end,
         spec = $4, metadata = $3, resource_version = nextval('${SCHEMA}.resource_versions')
       where kind = $1 and name = $2 and ($5::bigint is null or resource_version = $5::bigint) returning *`,
      [kind, object.metadata.name, pickMetadata(object.metadata), object.spec, object.metadata.resourceVersion ?? null],
    );
    return this.afterWrite(kind, object.metadata.name, rows[0]);
  }

  /** Writes status only (the status subresource): never touches spec or generation. */
  async updateStatus(kind: ResourceKind, name: string, status: Record<string, unknown>, resourceVersion?: string): Promise<StoredObject> {
    const { rows } = await this.pool.query<Row>(
      `update ${SCHEMA}.resources set status = $3, resource_version = nextval('${SCHEMA}.resource_versions')
       where kind = $1 and name = $2 and ($4::bigint is null or resource_version = $4::bigint) returning *`,
      [kind, name, status, resourceVersion ?? null],
    );
    return this.afterWrite(kind, name, rows[0]);
  }

  /** Deletes at once without finalizers; otherwise marks the object for deletion until they are removed. */
  async delete(kind: ResourceKind, name: string): Promise<StoredObject> {
    const { rows } = await this.pool.query<Row>(
      `update ${SCHEMA}.resources set deletion_timestamp = coalesce(deletion_timestamp, now()), resource_version = nextval('${SCHEMA}.resource_versions')
       where kind = $1 and name = $2 returning *`,
      [kind, name],
    );
    if (!rows[0]) throw new ResourceNotFoundError(kind, name);
    return this.finishDeletionIfDone(toObject(rows[0]));
  }

  /** Removes a finalizer; the object disappears when it was the last one of an object being deleted. */
  async removeFinalizer(kind: ResourceKind, name: string, finalizer: string): Promise<void> {
    const { rows } = await this.pool.query<Row>(
      `update ${SCHEMA}.resources set metadata = jsonb_set(metadata, '{finalizers}', coalesce((select jsonb_agg(f) from jsonb_array_elements(metadata->'finalizers') f where f <> to_jsonb($3::text)), '[]')),
         resource_version = nextval('${SCHEMA}.resource_versions')
       where kind = $1 and name = $2 returning *`,
      [kind, name, finalizer],
    );
    if (rows[0]) await this.finishDeletionIfDone(toObject(rows[0]));
  }

  private async finishDeletionIfDone(object: StoredObject): Promise<StoredObject> {
    if (object.metadata.deletionTimestamp && !object.metadata.finalizers?.length) {
      await this.pool.query(`delete from ${SCHEMA}.resources where kind = $1 and name = $2 and resource_version = $3`, [object.kind, object.metadata.name, object.metadata.resourceVersion]);
      this.emit("DELETED", object);
    } else {
      this.emit("MODIFIED", object);
    }
    return object;
  }

  private async afterWrite(kind: ResourceKind, name: string, row: Row | undefined): Promise<StoredObject> {
    if (row) {
      const stored = toObject(row);
      this.emit("MODIFIED", stored);
      return stored;
    }
    if (await this.get(kind, name)) throw new ResourceConflictError(kind, name);
    throw new ResourceNotFoundError(kind, name);
  }
}

function pickMetadata(metadata: CustomObject["metadata"]): Row["metadata"] {
  const { finalizers, labels, annotations } = metadata as Row["metadata"];
  return { ...(finalizers ? { finalizers } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
}
