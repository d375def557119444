// The move's own state, kept in the same Postgres as both cells (schema lsp_moves) so every
// phase change commits atomically with the data it describes: a crashed mover resumes from the
// row, never from memory.
import type pg from "pg";
import { inClientTransaction } from "../../common/pg-transaction.js";

export const MOVES_SCHEMA = "lsp_moves";

/** Database-side phases. The order is the order of a successful move; the last two end a failed one. */
export const MovePhase = {
  Copying: "Copying",
  CatchingUp: "CatchingUp",
  Holding: "Holding",
  Verified: "Verified",
  Switched: "Switched",
  Done: "Done",
  RolledBack: "RolledBack",
  Cancelled: "Cancelled",
} as const;
export type MovePhase = (typeof MovePhase)[keyof typeof MovePhase];

/** Until Switched the source cell is authoritative and the move can still be undone. */
export const BEFORE_SWITCH: readonly MovePhase[] = [MovePhase.Copying, MovePhase.CatchingUp, MovePhase.Holding, MovePhase.Verified];
export const FINISHED: readonly MovePhase[] = [MovePhase.Done, MovePhase.RolledBack, MovePhase.Cancelled];

export interface MoveRecord {
  id: string;
  tenantId: string;
  sourceSchema: string;
  targetSchema: string;
  phase: MovePhase;
  /** Per identity table: target id = source id + offset (bigint ids are per schema and would collide). */
  idOffsets: Record<string, string>;
  /** Highest source id the reserved target range can take, per identity table. */
  idLimits: Record<string, string>;
  fenced: boolean;
  /** A checkpoint verification passed: the verification in the hold only covers keys changed since. */
  checkpointed: boolean;
  error: string | null;
  holdStartedAt: Date | null;
  switchedAt: Date | null;
  /** Last phase change: when a rolled-back move ended, for the retry backoff. */
  updatedAt: Date;
}

// Lock so two movers (or two test files) creating the bookkeeping at once do not race on DDL.
const SETUP_LOCK = "select pg_advisory_xact_lock(hashtextextended('lsp-moves-schema', 0))";

/**
 * The capture trigger: records the key of every row of the moving tenant that changes, and
 * refuses the write once the move is fenced. FOR SHARE on the move row makes the fence wait for
 * every write already past this check (see docs/adr/1200-*.md). SECURITY DEFINER because the
 * cell API role may not touch lsp_moves.
 */
const CAPTURE_FUNCTION = `
create or replace function ${MOVES_SCHEMA}.capture() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog
  as $$
declare
  is_fenced boolean;
  r jsonb;
  k text[] := string_to_array(tg_argv[1], ',');
begin
  select m.fenced into is_fenced from ${MOVES_SCHEMA}.moves m where m.id = tg_argv[0] for share;
  if is_fenced then
    raise exception 'tenant is being moved to another cell: its writes are held until the switch'
      using errcode = '55000', hint = 'retry after the move (the router holds and replays requests)';
  end if;
  if tg_op <> 'INSERT' then
    r := to_jsonb(old);
    insert into ${MOVES_SCHEMA}.changes (move_id, tbl, key)
      select tg_argv[0], tg_table_name, jsonb_object_agg(c, r -> c) from unnest(k) c;
  end if;
  if tg_op <> 'DELETE' then
    r := to_jsonb(new);
    insert into ${MOVES_SCHEMA}.changes (move_id, tbl, key)
      select tg_argv[0], tg_table_name, jsonb_object_agg(c, r -> c) from unnest(k) c;
  end if;
  return null;
end $$`;

export async function ensureMoveBookkeeping(admin: pg.ClientBase): Promise<void> {
  await admin.query("begin");
  try {
    await admin.query(SETUP_LOCK);
    await admin.query(`create schema if not exists ${MOVES_SCHEMA}`);
    await admin.query(`create table if not exists ${MOVES_SCHEMA}.moves (
      id               text primary key,
      tenant_id        uuid not null,
      source_schema    text not null,
      target_schema    text not null,
      phase            text not null,
      id_offsets       jsonb not null default '{}',
      id_limits        jsonb not null default '{}',
      fenced           boolean not null default false,
      error            text,
      created_at       timestamptz not null default now(),
      updated_at       timestamptz not null default now(),
      hold_started_at  timestamptz,
      switched_at      timestamptz
    )`);
    // One unfinished move per tenant: two would each believe they own its rows.
    await admin.query(`create unique index if not exists moves_one_active_per_tenant on ${MOVES_SCHEMA}.moves (tenant_id)
      where phase not in ('Done', 'RolledBack', 'Cancelled')`);
    await admin.query(`create table if not exists ${MOVES_SCHEMA}.changes (
      seq      bigint generated always as identity primary key,
      move_id  text not null,
      tbl      text not null,
      key      jsonb not null
    )`);
    // Applied entries are kept (not deleted) until the move ends: the keys changed since the last
    // verification checkpoint are exactly the entries not yet marked checked (ADR 1200).
    await admin.query(`alter table ${MOVES_SCHEMA}.changes add column if not exists applied boolean not null default false`);
    await admin.query(`alter table ${MOVES_SCHEMA}.changes add column if not exists checked boolean not null default false`);
    await admin.query(`alter table ${MOVES_SCHEMA}.moves add column if not exists checkpointed boolean not null default false`);
    await admin.query(`create index if not exists changes_by_move on ${MOVES_SCHEMA}.changes (move_id, seq)`);
    // Catch-up reads only unapplied entries; without this it would rescan every applied one per batch.
    await admin.query(`create index if not exists changes_unapplied on ${MOVES_SCHEMA}.changes (move_id, seq) where not applied`);
    // The hold verifies the keys not yet checked, per table: without this it would scan every entry of the move per table.
    await admin.query(`create index if not exists changes_unchecked on ${MOVES_SCHEMA}.changes (move_id, tbl) where not checked`);
    await admin.query(CAPTURE_FUNCTION);
    await admin.query("commit");
  } catch (error) {
    await admin.query("rollback");
    throw error;
  }
}

interface MoveRow {
  id: string;
  tenant_id: string;
  source_schema: string;
  target_schema: string;
  phase: MovePhase;
  id_offsets: Record<string, string>;
  id_limits: Record<string, string>;
  fenced: boolean;
  checkpointed: boolean;
  error: string | null;
  hold_started_at: Date | null;
  switched_at: Date | null;
  updated_at: Date;
}

export class MoveNotFoundError extends Error {
  constructor(readonly moveId: string) {
    super(`move '${moveId}' does not exist (it is created by beginMove)`);
    this.name = "MoveNotFoundError";
  }
}

/**
 * Reads the move; `lock` serializes phase changes of this move for the rest of the caller's
 * transaction with an advisory lock — never a row lock, which would stall the tenant's writes
 * (the capture trigger reads the row FOR SHARE).
 */
export async function readMove(admin: pg.ClientBase, moveId: string, lock = false): Promise<MoveRecord> {
  if (lock) await admin.query("select pg_advisory_xact_lock(hashtextextended('lsp-move:' || $1, 0))", [moveId]);
  const { rows } = await admin.query<MoveRow>(`select * from ${MOVES_SCHEMA}.moves where id = $1`, [moveId]);
  const row = rows[0];
  if (!row) throw new MoveNotFoundError(moveId);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    sourceSchema: row.source_schema,
    targetSchema: row.target_schema,
    phase: row.phase,
    idOffsets: row.id_offsets,
    idLimits: row.id_limits,
    fenced: row.fenced,
    checkpointed: row.checkpointed,
    error: row.error,
    holdStartedAt: row.hold_started_at,
    switchedAt: row.switched_at,
    updatedAt: row.updated_at,
  };
}

export async function findMove(admin: pg.ClientBase, moveId: string): Promise<MoveRecord | undefined> {
  if (!(await bookkeepingExists(admin))) return undefined;
  try {
    return await readMove(admin, moveId);
  } catch (error) {
    if (error instanceof MoveNotFoundError) return undefined;
    throw error;
  }
}

export async function setPhase(admin: pg.ClientBase, moveId: string, phase: MovePhase, extra = ""): Promise<void> {
  await admin.query(`update ${MOVES_SCHEMA}.moves set phase = $2, updated_at = now()${extra ? `, ${extra}` : ""} where id = $1`, [moveId, phase]);
}

export class MovePhaseError extends Error {
  constructor(moveId: string, action: string, phase: MovePhase, allowed: readonly MovePhase[]) {
    super(`move '${moveId}': cannot ${action} in phase ${phase} (allowed in ${allowed.join(", ")})`);
    this.name = "MovePhaseError";
  }
}

export const inTransaction = <T>(admin: pg.ClientBase, work: () => Promise<T>, isolation = "read committed"): Promise<T> =>
  inClientTransaction(admin, work, `begin isolation level ${isolation}`);

/** The tenant's move that still needs work: any phase before Done, Switched included. */
export async function findActiveMove(admin: pg.ClientBase, tenantId: string): Promise<MoveRecord | undefined> {
  if (!(await bookkeepingExists(admin))) return undefined;
  const { rows } = await admin.query<{ id: string }>(`select id from ${MOVES_SCHEMA}.moves where tenant_id = $1 and phase not in ('Done', 'RolledBack', 'Cancelled')`, [tenantId]);
  return rows[0] ? readMove(admin, rows[0].id) : undefined;
}

/** The tenant's most recent move that has ended (Done, RolledBack or Cancelled), if any. */
export async function findLastFinishedMove(admin: pg.ClientBase, tenantId: string): Promise<MoveRecord | undefined> {
  if (!(await bookkeepingExists(admin))) return undefined;
  const { rows } = await admin.query<{ id: string }>(
    `select id from ${MOVES_SCHEMA}.moves where tenant_id = $1 and phase in ('Done', 'RolledBack', 'Cancelled') order by updated_at desc limit 1`,
    [tenantId],
  );
  return rows[0] ? readMove(admin, rows[0].id) : undefined;
}

/**
 * A move id not used yet: `base`, or `base/2`, `base/3`… when earlier attempts with the same base
 * (a move retried after a rollback, for the same Tenant generation) have ended. Move ids are
 * never reused: beginning an existing id resumes that move.
 */
export async function freshMoveId(admin: pg.ClientBase, base: string): Promise<string> {
  if (!(await bookkeepingExists(admin))) return base;
  const { rows } = await admin.query<{ n: number }>(`select count(*)::int as n from ${MOVES_SCHEMA}.moves where id = $1 or id like $2`, [base, `${base.replaceAll("\\", "\\\\").replaceAll("%", "\\%").replaceAll("_", "\\_")}/%`]);
  const n = rows[0]!.n;
  return n === 0 ? base : `${base}/${n + 1}`;
}

/** No move was ever begun in this Postgres while lsp_moves.moves does not exist. */
async function bookkeepingExists(admin: pg.ClientBase): Promise<boolean> {
  const { rows } = await admin.query<{ ok: boolean }>("select to_regclass($1) is not null as ok", [`${MOVES_SCHEMA}.moves`]);
  return rows[0]!.ok;
}
