// The cell's Postgres schema and login role. The role's password lives in the cell's Secret and is
// written there before the role is created, so a crash between the two never loses it.
import { createHash, randomBytes } from "node:crypto";
import * as k8s from "@kubernetes/client-node";
import type { Cell } from "../../api/v1alpha1/index.js";
import { cellNamespace } from "../../names.js";
import { isConflict, isNotFound } from "../../runtime/kube.js";
import type { OperatorContext } from "../context.js";
import { cellDatabaseSecret, DATABASE_SECRET } from "./manifests.js";

/** How often a healthy cell's database is re-checked (migrations, grants) without any change. */
const RECHECK_MS = 10 * 60_000;
const checkedAt = new Map<string, { generation: number; at: number; secretChecksum: string }>();

/** secretChecksum: digest of the Secret's DATABASE_URL, which the API pods read at start (a new one rolls them). */
export type DatabaseOutcome = { ready: true; migrations: number | undefined; secretChecksum: string } | { ready: false; message: string };

// Ensure the role's password exists in the cell's Secret, then the schema, role and migrations in Postgres.
export async function ensureCellDatabase(ctx: OperatorContext, cell: Cell): Promise<DatabaseOutcome> {
  const key = `${cell.metadata.uid}`;
  const last = checkedAt.get(key);
  const generation = cell.metadata.generation ?? 0;
  if (last && last.generation === generation && Date.now() - last.at < RECHECK_MS) return { ready: true, migrations: undefined, secretChecksum: last.secretChecksum };
  const secret = await ensurePassword(ctx, cell);
  const secretChecksum = createHash("sha256").update(`${secret.databaseUrl}\0${secret.redisPassword}`).digest("hex");
  try {
    const result = await ctx.db.ensureCell(cell.metadata.name, secret.password);
    checkedAt.set(key, { generation, at: Date.now(), secretChecksum });
    return { ready: true, migrations: result.appliedMigrations.length, secretChecksum };
  } catch (error) {
    return { ready: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Checks the database and the Secret again at the next reconcile (the Cell went, or its namespace with the Secret). */
export function forgetCellDatabase(uid: string | undefined): void {
  checkedAt.delete(`${uid}`);
}

interface DatabaseSecret {
  password: string;
  databaseUrl: string;
  /** The cell Redis's password (requirepass): the release namespace's pods can reach its port. */
  redisPassword: string;
}

async function ensurePassword(ctx: OperatorContext, cell: Cell): Promise<DatabaseSecret> {
  const namespace = cellNamespace(cell.metadata.name);
  const existing = await readSecret(ctx, namespace);
  if (existing?.redisPassword) return existing;
  if (existing) return addRedisPassword(ctx, cell, namespace, existing);
  const password = randomBytes(24).toString("base64url");
  const redisPassword = randomBytes(24).toString("base64url");
  const databaseUrl = ctx.db.cellConnectionString(cell.metadata.name, password);
  const secret = cellDatabaseSecret(cell, { config: ctx.config, commonLabels: ctx.commonLabels }, databaseUrl, password, redisPassword);
  try {
    await ctx.kube.core.createNamespacedSecret({ namespace, body: secret });
    ctx.log.info({ cell: cell.metadata.name, namespace }, "Created Secret");
    return { password, databaseUrl, redisPassword };
  } catch (error) {
    // Created meanwhile (another reconcile, or a previous life of this operator): use that one.
    if (!isConflict(error)) throw error;
    const raced = await readSecret(ctx, namespace);
    if (!raced) throw error;
    return raced;
  }
}

/**
 * A cell created before Redis had a password: the password is added to its Secret (a merge patch:
 * the database's keys stay), which rolls the API and Redis pods once through the checksum.
 */
async function addRedisPassword(ctx: OperatorContext, cell: Cell, namespace: string, existing: DatabaseSecret): Promise<DatabaseSecret> {
  const redisPassword = randomBytes(24).toString("base64url");
  await ctx.kube.core.patchNamespacedSecret(
    { name: DATABASE_SECRET, namespace, body: { stringData: { REDIS_PASSWORD: redisPassword } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  ctx.log.info({ cell: cell.metadata.name, namespace }, "Added the Redis password to the cell's Secret");
  return { ...existing, redisPassword };
}

async function readSecret(ctx: OperatorContext, namespace: string): Promise<DatabaseSecret | undefined> {
  try {
    const secret: k8s.V1Secret = await ctx.kube.core.readNamespacedSecret({ name: DATABASE_SECRET, namespace });
    const decode = (value: string | undefined) => (value ? Buffer.from(value, "base64").toString("utf8") : "");
    const password = decode(secret.data?.PASSWORD);
    return password ? { password, databaseUrl: decode(secret.data?.DATABASE_URL), redisPassword: decode(secret.data?.REDIS_PASSWORD) } : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
