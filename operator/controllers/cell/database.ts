// The cell's Postgres schema and login role. The role's password lives in the cell's Secret and is
// written there before the role is created, so a crash between the two never loses it.
import { createHash, randomBytes } from "node:crypto";
import type * as k8s from "@kubernetes/client-node";
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
  const secretChecksum = createHash("sha256").update(secret.databaseUrl).digest("hex");
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
}

async function ensurePassword(ctx: OperatorContext, cell: Cell): Promise<DatabaseSecret> {
  const namespace = cellNamespace(cell.metadata.name);
  const existing = await readSecret(ctx, namespace);
  if (existing) return existing;
  const password = randomBytes(24).toString("base64url");
  const databaseUrl = ctx.db.cellConnectionString(cell.metadata.name, password);
  const secret = cellDatabaseSecret(cell, { config: ctx.config, commonLabels: ctx.commonLabels }, databaseUrl, password);
  try {
    await ctx.kube.core.createNamespacedSecret({ namespace, body: secret });
    ctx.log.info({ cell: cell.metadata.name, namespace }, "Created Secret");
    return { password, databaseUrl };
  } catch (error) {
    // Created meanwhile (another reconcile, or a previous life of this operator): use that one.
    if (!isConflict(error)) throw error;
    const raced = await readSecret(ctx, namespace);
    if (!raced) throw error;
    return raced;
  }
}

async function readSecret(ctx: OperatorContext, namespace: string): Promise<DatabaseSecret | undefined> {
  try {
    const secret: k8s.V1Secret = await ctx.kube.core.readNamespacedSecret({ name: DATABASE_SECRET, namespace });
    const decode = (value: string | undefined) => (value ? Buffer.from(value, "base64").toString("utf8") : "");
    const password = decode(secret.data?.PASSWORD);
    return password ? { password, databaseUrl: decode(secret.data?.DATABASE_URL) } : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
