// Who works at a tenant, and how they get there: phone invites (one-time code sent by SMS, bound
// to that phone, expiring) and join codes (long-lived, for chains; rotatable, revocable, scoped
// to a role and locations). Permissions are read from Postgres on every call, never from the
// caller's token, so a removal takes effect at the control plane at once.
import type { Pool, PoolClient } from "pg";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { z } from "zod";
import type { Role } from "../../common/auth-claims.js";
import { ControlPlaneError } from "../identity/errors.js";
import { normalizeVietnamesePhone } from "../identity/phone.js";
import { consumeOrRefuse } from "../identity/rate-limit.js";
import { sendSms, smsText, type SmsProvider } from "../identity/sms.js";
import type { User } from "../identity/users.js";
import type { VolatileState } from "../identity/volatile-state.js";
import { codeHashes, hashCode, newInviteCode, newJoinCode } from "./codes.js";

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

const LocationsInput = z.union([z.literal("*"), z.array(z.string().min(1, "a location id cannot be empty")).min(1, "give at least one location, or \"*\" for all")]);
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

/** Every invite is a real SMS: capped per tenant (a chain inviting its staff fits) and per invited phone (no harassment). */
export const DEFAULT_INVITE_LIMITS = { perTenant: { points: 60, durationSeconds: 3_600 }, perPhone: { points: 3, durationSeconds: 3_600 } };

export class Staff {
  private readonly redeemLimiter: RateLimiterAbstract;
  private readonly inviteLimiters: { perTenant: RateLimiterAbstract; perPhone: RateLimiterAbstract };

  constructor(
    private readonly pool: Pool,
    state: VolatileState,
    private readonly sms: SmsProvider,
    /** Keys stored code hashes (codes.ts); the control plane passes its OTP pepper. */
    private readonly codeSecret: string,
    keyPrefix = "",
    // Guessing codes is the attack on both kinds; cap redemptions per user.
    redeemLimit = { points: 10, durationSeconds: 600 },
    inviteLimits = DEFAULT_INVITE_LIMITS,
  ) {
    this.redeemLimiter = state.rateLimiter({ keyPrefix: `${keyPrefix}rl:redeem`, points: redeemLimit.points, durationSeconds: redeemLimit.durationSeconds });
    this.inviteLimiters = {
      perTenant: state.rateLimiter({ keyPrefix: `${keyPrefix}rl:invite-tenant`, ...inviteLimits.perTenant }),
      perPhone: state.rateLimiter({ keyPrefix: `${keyPrefix}rl:invite-phone`, ...inviteLimits.perPhone }),
    };
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
    const granter = await this.actorMembership(actor, input.tenant, ["owner", "manager"]);
    assertMayGrant(granter, input.role, input.locations);
    const existing = await this.pool.query(
      "SELECT 1 FROM control_plane.memberships m JOIN control_plane.users u ON u.id = m.user_id WHERE m.tenant_slug = $1 AND u.phone = $2",
      [input.tenant, phone.e164],
    );
    if (existing.rowCount) throw new ControlPlaneError("BAD_REQUEST", `${phone.e164} is already a member of '${input.tenant}'`, { field: "phone" });
    await this.limitInvites(input.tenant, phone.e164);

    const code = newInviteCode();
    const client = await this.pool.connect();
    let invite: InviteRow;
    let superseded: string[];
    let name: string;
    try {
      await client.query("BEGIN");
      // A fresh invite supersedes any pending one for the same phone, so only the latest SMS works.
      superseded = (
        await client.query<{ id: string }>(
          "UPDATE control_plane.invites SET revoked_at = now() WHERE tenant_slug = $1 AND phone = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id",
          [input.tenant, phone.e164],
        )
      ).rows.map((r) => r.id);
      const { rows } = await client.query<InviteRow>(
        `INSERT INTO control_plane.invites (tenant_slug, phone, role, locations, code_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7)) RETURNING *`,
        [input.tenant, phone.e164, input.role, JSON.stringify(input.locations), hashCode(code, this.codeSecret), actor.id, input.expiresInDays],
      );
      invite = rows[0]!;
      name = await this.tenantName(client, input.tenant);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    // Sent after the commit, so no database connection waits on the gateway (up to its timeout).
    // If it cannot go out, the invite nobody received is revoked and the one it superseded restored.
    try {
      await sendSms(this.sms, phone.e164, smsText.invite(smsSafeName(name), code, input.expiresInDays));
    } catch (error) {
      await this.pool.query(
        `UPDATE control_plane.invites SET revoked_at = CASE WHEN id = $1 THEN now() ELSE NULL END
          WHERE id = $1 OR (id = ANY($2::uuid[]) AND accepted_at IS NULL)`,
        [invite.id, superseded],
      );
      throw error;
    }
    return toInvite(invite);
  }

  async invites(actor: User, tenant: string): Promise<Invite[]> {
    await this.actorMembership(actor, tenant, ["owner", "manager"]);
    const { rows } = await this.pool.query<InviteRow>("SELECT * FROM control_plane.invites WHERE tenant_slug = $1 ORDER BY created_at DESC", [tenant]);
    return rows.map(toInvite);
  }

  async revokeInvite(actor: User, id: string): Promise<Invite> {
    const invite = await this.pool.query<InviteRow>("SELECT * FROM control_plane.invites WHERE id = $1", [uuidOrThrow(id)]);
    if (!invite.rows[0]) throw new ControlPlaneError("NOT_FOUND", `no invite ${id}`, { field: "id" });
    const granter = await this.actorMembership(actor, invite.rows[0].tenant_slug, ["owner", "manager"]);
    // Only an invite the actor could have made: a manager revokes staff invites to their own locations.
    assertMayGrant(granter, invite.rows[0].role, invite.rows[0].locations);
    const { rows } = await this.pool.query<InviteRow>("UPDATE control_plane.invites SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING *", [id]);
    return toInvite(rows[0]!);
  }

  /** The invitee, signed in with the invited phone, redeems the code from the SMS. */
  async acceptInvite(actor: User, code: string): Promise<MembershipRecord> {
    await this.limitRedeem(actor);
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<InviteRow>("SELECT * FROM control_plane.invites WHERE code_hash = ANY($1) FOR UPDATE", [codeHashes(code, this.codeSecret)]);
      const invite = rows[0];
      // One message for unknown, foreign and spent codes: a guesser learns nothing from it.
      if (!invite || invite.phone !== actor.phone || invite.revoked_at || invite.accepted_at) {
        throw new ControlPlaneError("INVITE_INVALID", "this invite code is not valid for your phone (wrong, already used or revoked)", { field: "code" });
      }
      if (invite.expires_at <= new Date()) throw new ControlPlaneError("INVITE_INVALID", "this invite has expired; ask for a new one", { field: "code" });
      await client.query("UPDATE control_plane.invites SET accepted_at = now(), accepted_by = $2 WHERE id = $1", [invite.id, actor.id]);
      const membership = await addMembership(client, actor.id, invite.tenant_slug, invite.role, invite.locations);
      await client.query("COMMIT");
      return membership;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Returns the code itself once; only its hash and last characters are kept. */
  async createJoinCode(actor: User, raw: z.input<typeof JoinCodeInput>): Promise<{ joinCode: JoinCode; code: string }> {
    const input = parse(JoinCodeInput, raw);
    const granter = await this.actorMembership(actor, input.tenant, ["owner", "manager"]);
    assertMayGrant(granter, input.role, input.locations);
    const code = newJoinCode();
    const { rows } = await this.pool.query<JoinCodeRow>(
      `INSERT INTO control_plane.join_codes (tenant_slug, label, role, locations, code_hash, code_hint, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [input.tenant, input.label, input.role, JSON.stringify(input.locations), hashCode(code, this.codeSecret), code.slice(-4), actor.id],
    );
    return { joinCode: toJoinCode(rows[0]!), code };
  }

  async joinCodes(actor: User, tenant: string): Promise<JoinCode[]> {
    await this.actorMembership(actor, tenant, ["owner", "manager"]);
    const { rows } = await this.pool.query<JoinCodeRow>("SELECT * FROM control_plane.join_codes WHERE tenant_slug = $1 ORDER BY created_at", [tenant]);
    return rows.map(toJoinCode);
  }

  /** Same scope, new code: the old code stops working at once (e.g. it was posted publicly). */
  async rotateJoinCode(actor: User, id: string): Promise<{ joinCode: JoinCode; code: string }> {
    const current = await this.manageableJoinCode(actor, id);
    if (current.revoked_at) throw new ControlPlaneError("BAD_REQUEST", "a revoked join code cannot be rotated; create a new one", { field: "id" });
    const code = newJoinCode();
    const { rows } = await this.pool.query<JoinCodeRow>(
      "UPDATE control_plane.join_codes SET code_hash = $2, code_hint = $3, rotated_at = now() WHERE id = $1 RETURNING *",
      [id, hashCode(code, this.codeSecret), code.slice(-4)],
    );
    return { joinCode: toJoinCode(rows[0]!), code };
  }

  async revokeJoinCode(actor: User, id: string): Promise<JoinCode> {
    await this.manageableJoinCode(actor, id);
    const { rows } = await this.pool.query<JoinCodeRow>("UPDATE control_plane.join_codes SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING *", [id]);
    return toJoinCode(rows[0]!);
  }

  async joinWithCode(actor: User, code: string): Promise<MembershipRecord> {
    await this.limitRedeem(actor);
    const { rows } = await this.pool.query<JoinCodeRow>("SELECT * FROM control_plane.join_codes WHERE code_hash = ANY($1) AND revoked_at IS NULL", [codeHashes(code, this.codeSecret)]);
    const joinCode = rows[0];
    if (!joinCode) throw new ControlPlaneError("JOIN_CODE_INVALID", "this join code is not valid (wrong, rotated or revoked)", { field: "code" });
    return addMembership(this.pool, actor.id, joinCode.tenant_slug, joinCode.role, joinCode.locations);
  }

  async changeRole(actor: User, tenant: string, userId: string, role: GrantableRole, locations: Locations = "*"): Promise<MembershipRecord> {
    await this.actorMembership(actor, tenant, ["owner"]);
    parse(z.object({ role: GrantableRoleInput, locations: LocationsInput }), { role, locations });
    const target = await this.targetMembership(actor, tenant, userId);
    if (target.role === "owner") throw new ControlPlaneError("FORBIDDEN", "the owner's role cannot be changed", { field: "userId" });
    const { rows } = await this.pool.query<MembershipRow>(
      "UPDATE control_plane.memberships SET role = $3, locations = $4 WHERE user_id = $1 AND tenant_slug = $2 RETURNING tenant_slug, role, locations",
      [userId, tenant, role, JSON.stringify(locations)],
    );
    const changed = toMembership(rows[0]!);
    // What they granted as a manager may exceed what they may grant now.
    if (target.role === "manager" && (role !== "manager" || locations !== "*")) await this.revokeGrantsBy(tenant, userId);
    return changed;
  }

  /**
   * Pending invites and join codes a member made stop working when they leave or are demoted:
   * otherwise a manager about to be removed could mint a code and come back with it.
   */
  private async revokeGrantsBy(tenant: string, userId: string): Promise<void> {
    await this.pool.query(
      "UPDATE control_plane.invites SET revoked_at = now() WHERE tenant_slug = $1 AND invited_by = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
      [tenant, userId],
    );
    await this.pool.query("UPDATE control_plane.join_codes SET revoked_at = now() WHERE tenant_slug = $1 AND created_by = $2 AND revoked_at IS NULL", [tenant, userId]);
  }

  async remove(actor: User, tenant: string, userId: string): Promise<void> {
    await this.actorMembership(actor, tenant, ["owner"]);
    const target = await this.targetMembership(actor, tenant, userId);
    if (target.role === "owner") throw new ControlPlaneError("FORBIDDEN", "the owner cannot be removed", { field: "userId" });
    await this.pool.query("DELETE FROM control_plane.memberships WHERE user_id = $1 AND tenant_slug = $2", [userId, tenant]);
    await this.revokeGrantsBy(tenant, userId);
  }

  private async actorMembership(actor: User, tenant: string, allowed: Role[]): Promise<MembershipRecord> {
    const { rows } = await this.pool.query<MembershipRow>(
      "SELECT tenant_slug, role, locations FROM control_plane.memberships WHERE user_id = $1 AND tenant_slug = $2",
      [actor.id, tenant],
    );
    // Not a member reads as "not found" so tenants cannot be discovered by probing.
    if (!rows[0]) throw new ControlPlaneError("TENANT_NOT_FOUND", `no tenant '${tenant}' among your memberships`, { field: "tenant" });
    const membership = toMembership(rows[0]);
    if (!allowed.includes(membership.role)) throw new ControlPlaneError("FORBIDDEN", `this needs the ${allowed.join(" or ")} role at '${tenant}'; you are ${membership.role}`);
    return membership;
  }

  private async targetMembership(actor: User, tenant: string, userId: string): Promise<MembershipRecord> {
    const { rows } = await this.pool.query<MembershipRow>(
      "SELECT tenant_slug, role, locations FROM control_plane.memberships WHERE user_id = $1 AND tenant_slug = $2",
      [uuidOrThrow(userId, "userId"), tenant],
    );
    if (!rows[0]) throw new ControlPlaneError("NOT_FOUND", `user ${userId} is not a member of '${tenant}'`, { field: "userId" });
    return toMembership(rows[0]);
  }

  private async manageableJoinCode(actor: User, id: string): Promise<JoinCodeRow> {
    const { rows } = await this.pool.query<JoinCodeRow>("SELECT * FROM control_plane.join_codes WHERE id = $1", [uuidOrThrow(id)]);
    if (!rows[0]) throw new ControlPlaneError("NOT_FOUND", `no join code ${id}`, { field: "id" });
    const granter = await this.actorMembership(actor, rows[0].tenant_slug, ["owner", "manager"]);
    assertMayGrant(granter, rows[0].role, rows[0].locations);
    return rows[0];
  }

  private async tenantName(client: PoolClient, slug: string): Promise<string> {
    const { rows } = await client.query<{ display_name: string }>("SELECT display_name FROM control_plane.tenants WHERE slug = $1", [slug]);
    return rows[0]?.display_name ?? slug;
  }

  private async limitInvites(tenant: string, phone: string): Promise<void> {
    await consumeOrRefuse(this.inviteLimiters.perPhone, phone, (s) => `too many invites to ${phone}; retry after ${s} s`);
    await consumeOrRefuse(this.inviteLimiters.perTenant, tenant, (s) => `too many invites from '${tenant}'; retry after ${s} s`);
  }

  private limitRedeem(actor: User): Promise<void> {
    return consumeOrRefuse(this.redeemLimiter, actor.id, (s) => `too many codes tried; retry after ${s} s`);
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

async function addMembership(db: Pool | PoolClient, userId: string, tenant: string, role: GrantableRole, locations: Locations): Promise<MembershipRecord> {
  // An existing membership is kept as it is: a join code never demotes a manager or the owner.
  await db.query(
    `INSERT INTO control_plane.memberships (user_id, tenant_slug, role, locations) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, tenant_slug) DO NOTHING`,
    [userId, tenant, role, JSON.stringify(locations)],
  );
  const { rows } = await db.query<MembershipRow>("SELECT tenant_slug, role, locations FROM control_plane.memberships WHERE user_id = $1 AND tenant_slug = $2", [userId, tenant]);
  return toMembership(rows[0]!);
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

/**
 * The tenant's name as it may appear in an SMS sent from the platform's sender: letters, digits,
 * spaces and - & ' only (no dots, slashes or colons, so no link or domain can ride along), at
 * most 40 characters. Anyone can sign up a tenant under any name.
 */
export function smsSafeName(name: string): string {
  const cleaned = name
    .normalize("NFC")
    .replace(/[^\p{L}\p{M}\p{N}\s&'-]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return cleaned.length <= 40 ? cleaned : `${cleaned.slice(0, 39).trimEnd()}…`;
}
