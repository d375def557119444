// Who works at a tenant, and how they get there: phone invites (one-time code sent by SMS, bound
// to that phone, expiring) and join codes (long-lived, for chains; rotatable, revocable, scoped
// to a role and locations). Permissions are read from Postgres on every call, never from the
// caller's token, so a removal takes effect at the control plane at once.
import type { Pool, PoolClient } from "pg";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { z } from "zod";
import type { Role } from "../../common/auth-claims.js";
import { inTransaction } from "../../common/pg-transaction.js";
import { ControlPlaneError } from "../identity/errors.js";
import { normalizeVietnamesePhone } from "../identity/phone.js";
import { consumeOrRefuse } from "../identity/rate-limit.js";
import { sendSms, smsText, type SmsProvider } from "../identity/sms.js";
import type { User } from "../identity/users.js";
import type { VolatileState } from "../identity/volatile-state.js";
import { hashCode, inviteCodeHashes, newInviteCode, newJoinCode } from "./codes.js";

export type Locations = "*" | string[];
export type GrantableRole = Exclude<Role, "owner">;

export interface StaffMember {
  userId: string;
  phone: string;
  name: string | null;
  role: Role;
  locations: Locations;
  joinedAt: Date;
}

export interface Invite {
  id: string;
  tenant: string;
  phone: string;
  role: GrantableRole;
  locations: Locations;
  expiresAt: Date;
  createdAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

export interface JoinCode {
  id: string;
  tenant: string;
  label: string;
  role: GrantableRole;
  locations: Locations;
  hint: string;
  createdAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

export interface MembershipRecord {
  tenant: string;
  role: Role;
  locations: Locations;
}

/** Location ids are stored, copied into every access token the member gets and sent to every cell. */
export const MAX_LOCATIONS = 200;
export const MAX_LOCATION_ID_LENGTH = 64;

const LocationsInput = z.union([
  z.literal("*"),
  z
    .array(z.string().min(1, "a location id cannot be empty").max(MAX_LOCATION_ID_LENGTH, `a location id is at most ${MAX_LOCATION_ID_LENGTH} characters`))
    .min(1, "give at least one location, or \"*\" for all")
    // A refinement rather than .max(): inside a union zod reports a too-long array only as "Invalid input".
    .refine((ids) => ids.length <= MAX_LOCATIONS, `at most ${MAX_LOCATIONS} locations; use "*" for all`),
]);
const GrantableRoleInput = z.enum(["manager", "staff"], { message: "role must be manager or staff (owners are made by signup)" });

export const InviteInput = z.object({
  tenant: z.string(),
  phone: z.string(),
  role: GrantableRoleInput,
  locations: LocationsInput.default("*"),
  expiresInDays: z.number().int().min(1, "expiresInDays is at least 1").max(30, "expiresInDays is at most 30").default(7),
});
export const JoinCodeInput = z.object({
  tenant: z.string(),
  label: z.string().trim().max(100, "label is at most 100 characters").default(""),
  role: GrantableRoleInput,
  locations: LocationsInput.default("*"),
});

/** Who may grant what: owners grant anything below owner, managers only staff within their own locations. */
const GRANTS: Record<Role, readonly GrantableRole[]> = { owner: ["manager", "staff"], manager: ["staff"], staff: [] };

interface Limit {
  points: number;
  durationSeconds: number;
}

export interface StaffLimits {
  /** Code redemptions per user: guessing codes is the attack on both kinds. */
  redeem: Limit;
  invitePerTenant: Limit;
  invitePerPhone: Limit;
  invitePerPhoneDaily: Limit;
  invitePerInviter: Limit;
  invitePerInviterDaily: Limit;
  /** Join codes made or rotated per tenant. */
  joinCodesPerTenant: Limit;
}

export const DEFAULT_STAFF_LIMITS: StaffLimits = {
  redeem: { points: 10, durationSeconds: 600 },
  // Every invite is a real SMS from the platform's sender: a chain inviting its staff fits, a phone
  // is not harassed, and pumping SMS to numbers the caller is paid for stays small. The inviter's
  // own caps span all their tenants, since anyone can sign up any number of tenants.
  invitePerTenant: { points: 60, durationSeconds: 3_600 },
  invitePerPhone: { points: 3, durationSeconds: 3_600 },
  invitePerPhoneDaily: { points: 5, durationSeconds: 86_400 },
  invitePerInviter: { points: 60, durationSeconds: 3_600 },
  invitePerInviterDaily: { points: 200, durationSeconds: 86_400 },
  // No SMS, but every code is a row in the owner's list and a secret to keep track of.
  joinCodesPerTenant: { points: 30, durationSeconds: 3_600 },
};

/** Key names of the limiters; the first three keep the names their counters always had. */
const LIMITER_NAMES: Record<keyof StaffLimits, string> = {
  redeem: "redeem",
  invitePerTenant: "invite-tenant",
  invitePerPhone: "invite-phone",
  invitePerPhoneDaily: "invite-phone-daily",
  invitePerInviter: "invite-inviter",
  invitePerInviterDaily: "invite-inviter-daily",
  joinCodesPerTenant: "join-code-tenant",
};

/**
 * An invite counts as open while it can still be accepted or, superseded by an invite whose SMS is
 * still going out, brought back; ending it clears `superseded_by` so a failed SMS cannot revive it.
 */
const OPEN_INVITE = "accepted_at IS NULL AND (revoked_at IS NULL OR superseded_by IS NOT NULL)";
const END_INVITE = "revoked_at = COALESCE(revoked_at, now()), superseded_by = NULL";

export class Staff {
  private readonly limiters: Record<keyof StaffLimits, RateLimiterAbstract>;

  constructor(
    private readonly pool: Pool,
    state: VolatileState,
    private readonly sms: SmsProvider,
    /** Keys stored code hashes (codes.ts); the control plane passes its OTP pepper. */
    private readonly codeSecret: string,
    keyPrefix = "",
    limits: Partial<StaffLimits> = {},
  ) {
    const merged = { ...DEFAULT_STAFF_LIMITS, ...limits };
    const limiter = (name: keyof StaffLimits) => state.rateLimiter({ keyPrefix: `${keyPrefix}rl:${LIMITER_NAMES[name]}`, ...merged[name] });
    this.limiters = Object.fromEntries((Object.keys(LIMITER_NAMES) as (keyof StaffLimits)[]).map((name) => [name, limiter(name)])) as Record<keyof StaffLimits, RateLimiterAbstract>;
  }

  async members(actor: User, tenant: string): Promise<StaffMember[]> {
    await this.actorMembership(actor, tenant, ["owner", "manager"]);
    const { rows } = await this.pool.query<{ user_id: string; phone: string; name: string | null; role: Role; locations: Locations; created_at: Date }>(
      `SELECT m.user_id, u.phone, u.name, m.role, m.locations, m.created_at FROM control_plane.memberships m
         JOIN control_plane.users u ON u.id = m.user_id WHERE m.tenant_slug = $1 ORDER BY m.created_at, u.phone`,
      [tenant],
    );
    return rows.map((r) => ({ userId: r.user_id, phone: r.phone, name: r.name, role: r.role, locations: r.locations, joinedAt: r.created_at }));
  }

  async invite(actor: User, raw: z.input<typeof InviteInput>): Promise<Invite> {
    const input = parse(InviteInput, raw);
    const phone = normalizeVietnamesePhone(input.phone);
    if (!phone.ok) throw new ControlPlaneError("PHONE_INVALID", phone.message, { field: "phone" });
    // Checked before the limits, so a refused invite costs nobody quota; checked again under locks.
    await this.assertMayInvite(actor, input, phone.e164);
    await this.limitInvites(actor, input.tenant, phone.e164);

    const code = newInviteCode();
    const { invite, name } = await this.transaction(async (client) => {
      // One writer per invited phone at a time, so "only the latest SMS works" holds under concurrency.
      await lockPhone(client, phone.e164);
      await this.assertMayInvite(actor, input, phone.e164, client);
      const invite = await insertInvite(client, input, phone.e164, hashCode(code, this.codeSecret), actor.id);
      return { invite, name: await this.tenantName(client, input.tenant) };
    });
    // Sent after the commit, so no database connection waits on the gateway (up to its timeout).
    try {
      await sendSms(this.sms, phone.e164, smsText.invite(smsSafeName(name), code, input.expiresInDays));
    } catch (error) {
      await this.withdrawUnsent(invite);
      throw error;
    }
    return toInvite(invite);
  }

  /** Newest first, at most `first` (invites accumulate for good: up to 60 an hour per tenant). */
  async invites(actor: User, tenant: string, options: { pendingOnly?: boolean; first?: number } = {}): Promise<Invite[]> {
    const first = listSize(options.first);
    await this.actorMembership(actor, tenant, ["owner", "manager"]);
    const pending = options.pendingOnly ? "AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()" : "";
    const { rows } = await this.pool.query<InviteRow>(`SELECT * FROM control_plane.invites WHERE tenant_slug = $1 ${pending} ORDER BY created_at DESC LIMIT $2`, [tenant, first]);
    return rows.map(toInvite);
  }

  async revokeInvite(actor: User, id: string): Promise<Invite> {
    return this.transaction(async (client) => {
      await this.manageableInvite(actor, id, client);
      const { rows } = await client.query<InviteRow>(`UPDATE control_plane.invites SET ${END_INVITE} WHERE id = $1 RETURNING *`, [id]);
      return toInvite(rows[0]!);
    });
  }

  /** The invitee, signed in with the invited phone, redeems the code from the SMS. */
  async acceptInvite(actor: User, code: string): Promise<MembershipRecord> {
    await this.limitRedeem(actor);
    return this.transaction(async (client) => {
      await lockPhone(client, actor.phone);
      const { rows } = await client.query<InviteRow>("SELECT * FROM control_plane.invites WHERE code_hash = ANY($1) FOR UPDATE", [inviteCodeHashes(code, this.codeSecret)]);
      const invite = rows[0];
      // One message for unknown, foreign and spent codes: a guesser learns nothing from it.
      if (!invite || invite.phone !== actor.phone || invite.revoked_at || invite.accepted_at) {
        throw new ControlPlaneError("INVITE_INVALID", "this invite code is not valid for your phone (wrong, already used or revoked)", { field: "code" });
      }
      if (invite.expires_at <= new Date()) throw new ControlPlaneError("INVITE_INVALID", "this invite has expired; ask for a new one", { field: "code" });
      await client.query("UPDATE control_plane.invites SET accepted_at = now(), accepted_by = $2 WHERE id = $1", [invite.id, actor.id]);
      return joinTenant(client, actor, invite.tenant_slug, invite.role, invite.locations);
    });
  }

  /** Returns the code itself once; only its hash and last characters are kept. */
  async createJoinCode(actor: User, raw: z.input<typeof JoinCodeInput>): Promise<{ joinCode: JoinCode; code: string }> {
    const input = parse(JoinCodeInput, raw);
    assertMayGrant(await this.actorMembership(actor, input.tenant, ["owner", "manager"]), input.role, input.locations);
    await this.limitJoinCodes(input.tenant);
    const code = newJoinCode();
    const row = await this.transaction(async (client) => {
      // Again with the membership locked: a removal or demotion either waits for this code (and then
      // revokes it) or commits first (and this is refused).
      assertMayGrant(await this.actorMembership(actor, input.tenant, ["owner", "manager"], client), input.role, input.locations);
      const { rows } = await client.query<JoinCodeRow>(
        `INSERT INTO control_plane.join_codes (tenant_slug, label, role, locations, code_hash, code_hint, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [input.tenant, input.label, input.role, JSON.stringify(input.locations), hashCode(code, this.codeSecret), code.slice(-4), actor.id],
      );
      return rows[0]!;
    });
    return { joinCode: toJoinCode(row), code };
  }

  /** Active codes first, then revoked ones, each oldest first; at most `first`. */
  async joinCodes(actor: User, tenant: string, options: { first?: number } = {}): Promise<JoinCode[]> {
    const first = listSize(options.first);
    await this.actorMembership(actor, tenant, ["owner", "manager"]);
    const { rows } = await this.pool.query<JoinCodeRow>("SELECT * FROM control_plane.join_codes WHERE tenant_slug = $1 ORDER BY revoked_at IS NOT NULL, created_at LIMIT $2", [tenant, first]);
    return rows.map(toJoinCode);
  }

  /**
   * Same scope, new code: the old code stops working at once (e.g. it was posted publicly). The
   * rotator now holds the secret, so removing or demoting them revokes the code (`rotated_by`).
   */
  async rotateJoinCode(actor: User, id: string): Promise<{ joinCode: JoinCode; code: string }> {
    const current = await this.manageableJoinCode(actor, id);
    assertRotatable(current);
    await this.limitJoinCodes(current.tenant_slug);
    const code = newJoinCode();
    const row = await this.transaction(async (client) => {
      assertRotatable(await this.manageableJoinCode(actor, id, client));
      const { rows } = await client.query<JoinCodeRow>(
        "UPDATE control_plane.join_codes SET code_hash = $2, code_hint = $3, rotated_at = now(), rotated_by = $4 WHERE id = $1 RETURNING *",
        [id, hashCode(code, this.codeSecret), code.slice(-4), actor.id],
      );
      return rows[0]!;
    });
    return { joinCode: toJoinCode(row), code };
  }

  async revokeJoinCode(actor: User, id: string): Promise<JoinCode> {
    return this.transaction(async (client) => {
      await this.manageableJoinCode(actor, id, client);
      const { rows } = await client.query<JoinCodeRow>("UPDATE control_plane.join_codes SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING *", [id]);
      return toJoinCode(rows[0]!);
    });
  }

  async joinWithCode(actor: User, code: string): Promise<MembershipRecord> {
    await this.limitRedeem(actor);
    return this.transaction(async (client) => {
      await lockPhone(client, actor.phone);
      // Only the keyed hash: a join code never lapses, so an unkeyed one would stay searchable for good.
      // FOR SHARE: a rotation or revocation either waits for this join or commits first and refuses it.
      const { rows } = await client.query<JoinCodeRow>("SELECT * FROM control_plane.join_codes WHERE code_hash = $1 AND revoked_at IS NULL FOR SHARE", [
        hashCode(code, this.codeSecret),
      ]);
      const joinCode = rows[0];
      if (!joinCode) throw new ControlPlaneError("JOIN_CODE_INVALID", "this join code is not valid (wrong, rotated or revoked)", { field: "code" });
      return joinTenant(client, actor, joinCode.tenant_slug, joinCode.role, joinCode.locations);
    });
  }

  async changeRole(actor: User, tenant: string, userId: string, role: GrantableRole, locations: Locations = "*"): Promise<MembershipRecord> {
    await this.actorMembership(actor, tenant, ["owner"]);
    parse(z.object({ role: GrantableRoleInput, locations: LocationsInput }), { role, locations });
    // One transaction with the revocation: the row lock orders it against grants being written.
    return this.transaction(async (client) => {
      const target = await targetMembership(tenant, userId, client, { lock: true });
      if (target.role === "owner") throw new ControlPlaneError("FORBIDDEN", "the owner's role cannot be changed", { field: "userId" });
      const { rows } = await client.query<MembershipRow>(
        "UPDATE control_plane.memberships SET role = $3, locations = $4 WHERE user_id = $1 AND tenant_slug = $2 RETURNING tenant_slug, role, locations",
        [userId, tenant, role, JSON.stringify(locations)],
      );
      // What they granted as a manager may exceed what they may grant now.
      if (target.role === "manager" && (role !== "manager" || locations !== "*")) await revokeGrantsBy(client, tenant, userId);
      return toMembership(rows[0]!);
    });
  }

  async remove(actor: User, tenant: string, userId: string): Promise<void> {
    await this.actorMembership(actor, tenant, ["owner"]);
    const { phone } = await targetMembership(tenant, userId, this.pool, { lock: false });
    await this.transaction(async (client) => {
      // The phone first, as accepting and joining take it: they then run wholly before or after this.
      await lockPhone(client, phone);
      const target = await targetMembership(tenant, userId, client, { lock: true });
      if (target.role === "owner") throw new ControlPlaneError("FORBIDDEN", "the owner cannot be removed", { field: "userId" });
      await client.query("DELETE FROM control_plane.memberships WHERE user_id = $1 AND tenant_slug = $2", [userId, tenant]);
      await revokeGrantsBy(client, tenant, userId);
      // Invites *to* them too: otherwise they accept one later and are back, maybe with a higher role.
      await revokeInvitesTo(client, tenant, phone);
    });
  }

  /**
   * The actor's membership of `tenant`, refused unless its role is `allowed`. Given a transaction
   * it is read FOR SHARE, held until commit: a removal or role change of the actor then waits for
   * the grant being written (and revokes it) or commits first (and the grant is refused).
   */
  private async actorMembership(actor: User, tenant: string, allowed: Role[], tx?: PoolClient): Promise<MembershipRecord> {
    const { rows } = await (tx ?? this.pool).query<MembershipRow>(
      `SELECT tenant_slug, role, locations FROM control_plane.memberships WHERE user_id = $1 AND tenant_slug = $2${tx ? " FOR SHARE" : ""}`,
      [actor.id, tenant],
    );
    // Not a member reads as "not found" so tenants cannot be discovered by probing.
    if (!rows[0]) throw new ControlPlaneError("TENANT_NOT_FOUND", `no tenant '${tenant}' among your memberships`, { field: "tenant" });
    const membership = toMembership(rows[0]);
    if (!allowed.includes(membership.role)) throw new ControlPlaneError("FORBIDDEN", `this needs the ${allowed.join(" or ")} role at '${tenant}'; you are ${membership.role}`);
    return membership;
  }

  /** The actor may grant this invite and the phone is not a member yet (`tx`: see actorMembership). */
  private async assertMayInvite(actor: User, input: z.output<typeof InviteInput>, phone: string, tx?: PoolClient): Promise<void> {
    assertMayGrant(await this.actorMembership(actor, input.tenant, ["owner", "manager"], tx), input.role, input.locations);
    const existing = await (tx ?? this.pool).query(
      "SELECT 1 FROM control_plane.memberships m JOIN control_plane.users u ON u.id = m.user_id WHERE m.tenant_slug = $1 AND u.phone = $2",
      [input.tenant, phone],
    );
    if (existing.rowCount) throw new ControlPlaneError("BAD_REQUEST", `${phone} is already a member of '${input.tenant}'`, { field: "phone" });
  }

  /**
   * An invite the actor could have made (a manager: staff invites to their own locations), locked
   * for update after the actor's membership, in the order removals take them.
   */
  private async manageableInvite(actor: User, id: string, tx: PoolClient): Promise<InviteRow> {
    const found = await tx.query<{ tenant_slug: string }>("SELECT tenant_slug FROM control_plane.invites WHERE id = $1", [uuidOrThrow(id)]);
    if (!found.rows[0]) throw new ControlPlaneError("NOT_FOUND", `no invite ${id}`, { field: "id" });
    const granter = await this.actorMembership(actor, found.rows[0].tenant_slug, ["owner", "manager"], tx);
    const invite = (await tx.query<InviteRow>("SELECT * FROM control_plane.invites WHERE id = $1 FOR UPDATE", [id])).rows[0]!;
    assertMayGrant(granter, invite.role, invite.locations);
    return invite;
  }

  /** A join code the actor could have made; given a transaction, locked as manageableInvite locks invites. */
  private async manageableJoinCode(actor: User, id: string, tx?: PoolClient): Promise<JoinCodeRow> {
    const found = await (tx ?? this.pool).query<JoinCodeRow>("SELECT * FROM control_plane.join_codes WHERE id = $1", [uuidOrThrow(id)]);
    if (!found.rows[0]) throw new ControlPlaneError("NOT_FOUND", `no join code ${id}`, { field: "id" });
    const granter = await this.actorMembership(actor, found.rows[0].tenant_slug, ["owner", "manager"], tx);
    const joinCode = tx ? (await tx.query<JoinCodeRow>("SELECT * FROM control_plane.join_codes WHERE id = $1 FOR UPDATE", [id])).rows[0]! : found.rows[0];
    assertMayGrant(granter, joinCode.role, joinCode.locations);
    return joinCode;
  }

  /**
   * After an SMS that did not go out: the invite nobody received stops working, and the invites it
   * superseded work again, but only if it was still pending (not superseded, revoked or accepted
   * since) and only those nothing else ended meanwhile (ending an invite clears superseded_by).
   */
  private async withdrawUnsent(invite: InviteRow): Promise<void> {
    await this.transaction(async (client) => {
      await lockPhone(client, invite.phone);
      const { rows } = await client.query<{ pending: boolean }>(
        "SELECT revoked_at IS NULL AS pending FROM control_plane.invites WHERE id = $1 AND accepted_at IS NULL FOR UPDATE",
        [invite.id],
      );
      if (!rows[0]) return;
      await client.query(`UPDATE control_plane.invites SET ${END_INVITE} WHERE id = $1`, [invite.id]);
      if (rows[0].pending) await client.query("UPDATE control_plane.invites SET revoked_at = NULL, superseded_by = NULL WHERE superseded_by = $1 AND accepted_at IS NULL", [invite.id]);
    });
  }

  private async tenantName(client: PoolClient, slug: string): Promise<string> {
    const { rows } = await client.query<{ display_name: string }>("SELECT display_name FROM control_plane.tenants WHERE slug = $1", [slug]);
    return rows[0]?.display_name ?? slug;
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  private async limitInvites(actor: User, tenant: string, phone: string): Promise<void> {
    // The inviter's own caps first: an account that spends them uses up no tenant's or phone's quota.
    await consumeOrRefuse(this.limiters.invitePerInviter, actor.id, (s) => `you have sent too many invites; retry after ${s} s`);
    await consumeOrRefuse(this.limiters.invitePerInviterDaily, actor.id, (s) => `you have sent too many invites today; retry after ${s} s`);
    await consumeOrRefuse(this.limiters.invitePerTenant, tenant, (s) => `too many invites from '${tenant}'; retry after ${s} s`);
    await consumeOrRefuse(this.limiters.invitePerPhone, phone, (s) => `too many invites to ${phone}; retry after ${s} s`);
    await consumeOrRefuse(this.limiters.invitePerPhoneDaily, phone, (s) => `too many invites to ${phone} today; retry after ${s} s`);
  }

  private limitJoinCodes(tenant: string): Promise<void> {
    return consumeOrRefuse(this.limiters.joinCodesPerTenant, tenant, (s) => `too many join codes made or rotated at '${tenant}'; retry after ${s} s`);
  }

  private limitRedeem(actor: User): Promise<void> {
    return consumeOrRefuse(this.limiters.redeem, actor.id, (s) => `too many codes tried; retry after ${s} s`);
  }
}

function assertMayGrant(granter: MembershipRecord, role: GrantableRole, locations: Locations): void {
  if (!GRANTS[granter.role].includes(role)) throw new ControlPlaneError("FORBIDDEN", `a ${granter.role} cannot grant the ${role} role`, { field: "role" });
  if (granter.locations === "*") return;
  const own = new Set(granter.locations);
  if (locations === "*" || locations.some((l) => !own.has(l))) {
    throw new ControlPlaneError("FORBIDDEN", "you can only grant access to your own locations", { field: "locations" });
  }
}

function assertRotatable(joinCode: JoinCodeRow): void {
  if (joinCode.revoked_at) throw new ControlPlaneError("BAD_REQUEST", "a revoked join code cannot be rotated; create a new one", { field: "id" });
}

/**
 * Serialises every write about invites to one phone: inviting it, its user accepting or joining,
 * its removal, and undoing an invite whose SMS failed. Taken before any row lock, as the first lock.
 */
async function lockPhone(tx: PoolClient, phone: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('control_plane.invitee:' || $1, 0))", [phone]);
}

/** The new invite, and the phone's open invite to the tenant superseded by it (restorable if its SMS fails). */
async function insertInvite(tx: PoolClient, input: z.output<typeof InviteInput>, phone: string, codeHash: string, invitedBy: string): Promise<InviteRow> {
  const { rows } = await tx.query<InviteRow>(
    `INSERT INTO control_plane.invites (tenant_slug, phone, role, locations, code_hash, invited_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7)) RETURNING *`,
    [input.tenant, phone, input.role, JSON.stringify(input.locations), codeHash, invitedBy, input.expiresInDays],
  );
  const invite = rows[0]!;
  await tx.query(
    "UPDATE control_plane.invites SET revoked_at = now(), superseded_by = $3 WHERE tenant_slug = $1 AND phone = $2 AND id <> $3 AND accepted_at IS NULL AND revoked_at IS NULL",
    [input.tenant, phone, invite.id],
  );
  return invite;
}

/**
 * Adds the membership and ends the phone's other open invites to the tenant: a member has no use
 * for them, and after a removal they would be a way back in. The caller holds lockPhone.
 */
async function joinTenant(tx: PoolClient, actor: User, tenant: string, role: GrantableRole, locations: Locations): Promise<MembershipRecord> {
  const membership = await addMembership(tx, actor.id, tenant, role, locations);
  await revokeInvitesTo(tx, tenant, actor.phone);
  return membership;
}

async function addMembership(tx: PoolClient, userId: string, tenant: string, role: GrantableRole, locations: Locations): Promise<MembershipRecord> {
  // An existing membership is kept as it is: a join code never demotes a manager or the owner.
  await tx.query(
    `INSERT INTO control_plane.memberships (user_id, tenant_slug, role, locations) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, tenant_slug) DO NOTHING`,
    [userId, tenant, role, JSON.stringify(locations)],
  );
  const { rows } = await tx.query<MembershipRow>("SELECT tenant_slug, role, locations FROM control_plane.memberships WHERE user_id = $1 AND tenant_slug = $2", [userId, tenant]);
  return toMembership(rows[0]!);
}

/** The member with their phone; given a transaction, locked for the change about to be made to them. */
async function targetMembership(tenant: string, userId: string, db: Pool | PoolClient, { lock }: { lock: boolean }): Promise<MembershipRecord & { phone: string }> {
  const { rows } = await db.query<MembershipRow & { phone: string }>(
    `SELECT m.tenant_slug, m.role, m.locations, u.phone FROM control_plane.memberships m JOIN control_plane.users u ON u.id = m.user_id
      WHERE m.user_id = $1 AND m.tenant_slug = $2${lock ? " FOR UPDATE OF m" : ""}`,
    [uuidOrThrow(userId, "userId"), tenant],
  );
  if (!rows[0]) throw new ControlPlaneError("NOT_FOUND", `user ${userId} is not a member of '${tenant}'`, { field: "userId" });
  return { ...toMembership(rows[0]), phone: rows[0].phone };
}

/**
 * Open invites and join codes a member made, or holds the current secret of, stop working when
 * they leave or are demoted: otherwise a manager about to be removed could mint (or rotate) a code
 * and come back with it.
 */
async function revokeGrantsBy(tx: PoolClient, tenant: string, userId: string): Promise<void> {
  await tx.query(`UPDATE control_plane.invites SET ${END_INVITE} WHERE tenant_slug = $1 AND invited_by = $2 AND ${OPEN_INVITE}`, [tenant, userId]);
  await tx.query("UPDATE control_plane.join_codes SET revoked_at = now() WHERE tenant_slug = $1 AND (created_by = $2 OR rotated_by = $2) AND revoked_at IS NULL", [
    tenant,
    userId,
  ]);
}

async function revokeInvitesTo(tx: PoolClient, tenant: string, phone: string): Promise<void> {
  await tx.query(`UPDATE control_plane.invites SET ${END_INVITE} WHERE tenant_slug = $1 AND phone = $2 AND ${OPEN_INVITE}`, [tenant, phone]);
}

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ControlPlaneError("BAD_REQUEST", `${issue.path.join(".") || "input"}: ${issue.message}`, { field: issue.path.join(".") });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function uuidOrThrow(id: string, field = "id"): string {
  if (!UUID.test(id)) throw new ControlPlaneError("NOT_FOUND", `${field} '${id}' does not exist`, { field });
  return id;
}

interface MembershipRow {
  tenant_slug: string;
  role: Role;
  locations: Locations;
}
const toMembership = (r: MembershipRow): MembershipRecord => ({ tenant: r.tenant_slug, role: r.role, locations: r.locations });

interface InviteRow {
  id: string;
  tenant_slug: string;
  phone: string;
  role: GrantableRole;
  locations: Locations;
  expires_at: Date;
  created_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}
const toInvite = (r: InviteRow): Invite => ({
  id: r.id,
  tenant: r.tenant_slug,
  phone: r.phone,
  role: r.role,
  locations: r.locations,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  acceptedAt: r.accepted_at,
  revokedAt: r.revoked_at,
});

interface JoinCodeRow {
  id: string;
  tenant_slug: string;
  label: string;
  role: GrantableRole;
  locations: Locations;
  code_hint: string;
  created_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}
const toJoinCode = (r: JoinCodeRow): JoinCode => ({
  id: r.id,
  tenant: r.tenant_slug,
  label: r.label,
  role: r.role,
  locations: r.locations,
  hint: r.code_hint,
  createdAt: r.created_at,
  rotatedAt: r.rotated_at,
  revokedAt: r.revoked_at,
});

/** How many rows a staff list returns: 100 unless asked, at most 500. */
export const MAX_STAFF_LIST = 500;
function listSize(first: number | undefined): number {
  const n = first ?? 100;
  if (!Number.isInteger(n) || n < 1 || n > MAX_STAFF_LIST) throw new ControlPlaneError("BAD_REQUEST", `first: must be a whole number from 1 to ${MAX_STAFF_LIST}`, { field: "first" });
  return n;
}

/**
 * The tenant's name as it may appear in an SMS sent from the platform's sender: ASCII letters,
 * a few digits, spaces and - & ' only (no dots, slashes, colons or look-alikes of them, so no link,
 * domain or phone number can ride along), at most 40 characters. Anyone can sign up a tenant under
 * any name.
 */
export function smsSafeName(name: string): string {
  // Plain ASCII: the SMS texts are GSM-7 (ADR 0500), and one letter outside it makes the whole
  // message UCS-2, twice the segments. Vietnamese loses its marks ("Phở" → "Pho"), as SMS do.
  const ascii = name.normalize("NFD").replace(/\p{M}+/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D");
  let cleaned = ascii.replace(/[^A-Za-z0-9\s&'-]+/g, " ");
  // "Phở 24" is a name; more digits than that are someone's phone number riding along.
  if ((cleaned.match(/\d/g) ?? []).length > 4) cleaned = cleaned.replace(/\d+/g, " ");
  cleaned = cleaned.replace(/\s+/g, " ").trim();
  if (cleaned === "") return "cua hang";
  // Cut without an ellipsis: "…" is not GSM-7, and dots are what the filter keeps out.
  return cleaned.slice(0, 40).trimEnd();
}
