// Self-serve signup: an owner who signed in with their phone claims a slug and gets a Tenant.
// The claim (tenants row + owner membership) and the Tenant's creation happen in one transaction,
// so a failure leaves nothing half-made and a retry by the same owner converges on one Tenant.
import type { Pool, PoolClient } from "pg";
import { z } from "zod";
import type { Role } from "../../common/auth-claims.js";
import { followTenantPlan } from "../billing/subscriptions.js";
import { planRefusal, TenantPlans, type Tenant, type TenantPlan } from "../../operator/api/v1alpha1/index.js";
import { ControlPlaneError } from "../identity/errors.js";
import type { User } from "../identity/users.js";
import { checkSlug } from "./slug.js";
import { OWNER_USER_ANNOTATION, TenantExistsError, TenantNotFoundError, TenantPlanRefusedError, tenantManifest, type TenantRegistry } from "./tenant-registry.js";

export const SignupInput = z.object({
  slug: z.string(),
  displayName: z.string().trim().min(1, "displayName is required").max(200, "displayName is at most 200 characters"),
  ownerName: z.string().trim().min(1, "ownerName is required").max(200, "ownerName is at most 200 characters"),
  plan: z.enum(TenantPlans).default("starter"),
  locations: z
    .array(z.object({ name: z.string().trim().min(1, "a location needs a name").max(200), timezone: z.string().max(64).optional() }))
    .max(100, "at most 100 locations at signup")
    .default([]),
});
export type SignupInput = z.input<typeof SignupInput>;

export interface TenantRecord {
  slug: string;
  displayName: string;
  plan: TenantPlan;
  ownerUserId: string;
  createdAt: Date;
}

export type SlugAvailability = { slug: string; available: boolean; reason?: "INVALID" | "RESERVED" | "TAKEN"; message?: string };

export class Onboarding {
  constructor(
    private readonly pool: Pool,
    private readonly registry: TenantRegistry,
  ) {}

  async slugAvailability(input: string): Promise<SlugAvailability> {
    const check = checkSlug(input);
    if (!check.ok) return { slug: input, available: false, reason: check.reason, message: check.message };
    const claimed = await this.pool.query("SELECT 1 FROM control_plane.tenants WHERE slug = $1", [check.slug]);
    if (claimed.rowCount || (await this.registryTaken(check.slug))) return { slug: check.slug, available: false, reason: "TAKEN", message: `'${check.slug}' is already taken` };
    return { slug: check.slug, available: true };
  }

  /** `created` is false when this owner already signed up this slug (a retry). */
  async signup(owner: User, raw: SignupInput): Promise<{ tenant: TenantRecord; created: boolean }> {
    const parsed = SignupInput.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ControlPlaneError("BAD_REQUEST", issue.message, { field: issue.path.join(".") });
    }
    const input = parsed.data;
    const slug = checkSlug(input.slug);
    if (!slug.ok) throw new ControlPlaneError(slug.reason === "RESERVED" ? "SLUG_RESERVED" : "SLUG_INVALID", slug.message, { field: "slug" });

    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // Blocks on a concurrent claim of the same slug until it commits or rolls back.
      const inserted = await client.query<TenantRow>(
        `INSERT INTO control_plane.tenants (slug, display_name, plan, owner_user_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (slug) DO NOTHING RETURNING *`,
        [slug.slug, input.displayName, input.plan, owner.id],
      );
      let row = inserted.rows[0];
      const created = row !== undefined;
      if (created) await this.refuseOverDailySignups(client, owner.id);
      if (!row) {
        row = (await client.query<TenantRow>("SELECT * FROM control_plane.tenants WHERE slug = $1", [slug.slug])).rows[0]!;
        if (row.owner_user_id !== owner.id) throw taken(slug.slug);
      }
      await client.query(
        `INSERT INTO control_plane.memberships (user_id, tenant_slug, role, locations) VALUES ($1, $2, 'owner', '"*"') ON CONFLICT DO NOTHING`,
        [owner.id, slug.slug],
      );
      await client.query("UPDATE control_plane.users SET name = COALESCE(name, $2) WHERE id = $1", [owner.id, input.ownerName]);
      // Billed from today on the chosen plan (a retry finds the subscription started).
      await followTenantPlan(client, { tenantSlug: slug.slug, plan: row.plan });
      await this.ensureTenant(
        tenantManifest(
          { slug: slug.slug, displayName: row.display_name, plan: row.plan, owner: { phone: owner.phone, name: input.ownerName }, isolation: "shared", locations: input.locations },
          owner.id,
        ),
      );
      await client.query("COMMIT");
      return { tenant: toRecord(row), created };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * An owner's plan change reaching the service: the Tenant's `spec.plan` (TenantPlanRefusedError
   * for a dedicated Tenant leaving chain) and the tenant record. Billing records its own side.
   */
  async setPlan(slug: string, plan: TenantPlan): Promise<void> {
    await this.registry.setPlan(slug, plan);
    await this.pool.query("UPDATE control_plane.tenants SET plan = $2 WHERE slug = $1", [slug, plan]);
  }

  /** Refuses, before anything changes, a plan the Tenant's rules do not allow. */
  async checkPlan(slug: string, plan: TenantPlan): Promise<void> {
    const tenant = await this.resource(slug);
    if (!tenant) throw new TenantNotFoundError(slug);
    const refusal = planRefusal(tenant.spec, plan);
    if (refusal) throw new TenantPlanRefusedError(slug, `${refusal}; moving to a shared cell is done by platform staff`);
  }

  async tenant(slug: string): Promise<TenantRecord | undefined> {
    const { rows } = await this.pool.query<TenantRow>("SELECT * FROM control_plane.tenants WHERE slug = $1", [slug]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The tenants a user belongs to, with their role there. */
  async tenantsOf(userId: string): Promise<(TenantRecord & { role: Role; locations: "*" | string[] })[]> {
    const { rows } = await this.pool.query<TenantRow & { role: Role; locations: "*" | string[] }>(
      `SELECT t.*, m.role, m.locations FROM control_plane.memberships m JOIN control_plane.tenants t ON t.slug = m.tenant_slug
        WHERE m.user_id = $1 ORDER BY t.created_at, t.slug`,
      [userId],
    );
    return rows.map((r) => ({ ...toRecord(r), role: r.role, locations: r.locations }));
  }

  async resource(slug: string): Promise<Tenant | undefined> {
    try {
      return await this.registry.get(slug);
    } catch (error) {
      throw registryUnavailable("could not read the store's status; retry shortly", error);
    }
  }

  private async ensureTenant(manifest: Tenant): Promise<void> {
    try {
      await this.registry.create(manifest);
    } catch (error) {
      if (!(error instanceof TenantExistsError)) throw registryUnavailable("could not create the store just now; retry signup", error);
      // Ours from an earlier attempt whose commit was lost: nothing to do. Anyone else's: taken.
      const existing = await this.registry.get(manifest.metadata.name);
      if (existing?.metadata.annotations?.[OWNER_USER_ANNOTATION] !== manifest.metadata.annotations?.[OWNER_USER_ANNOTATION]) throw taken(manifest.metadata.name);
    }
  }

  /**
   * Each store is a Tenant, a placement in a cell and a schema's worth of rows, and each can send
   * invites by SMS: one account creates at most SIGNUPS_PER_DAY a day (support lifts it for a
   * chain opening many at once). The account's row lock makes its signups take turns, so parallel
   * requests cannot all pass the count. Runs after this signup's insert, which it counts.
   */
  private async refuseOverDailySignups(client: PoolClient, ownerId: string): Promise<void> {
    await client.query("SELECT 1 FROM control_plane.users WHERE id = $1 FOR UPDATE", [ownerId]);
    const { rows } = await client.query<{ count: string; next_at: Date | null }>(
      `SELECT count(*)::text AS count, min(created_at) + interval '1 day' AS next_at FROM control_plane.tenants
        WHERE owner_user_id = $1 AND created_at > now() - interval '1 day'`,
      [ownerId],
    );
    if (Number(rows[0]!.count) <= SIGNUPS_PER_DAY) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(((rows[0]!.next_at?.getTime() ?? Date.now()) - Date.now()) / 1000));
    throw new ControlPlaneError("RATE_LIMITED", `at most ${SIGNUPS_PER_DAY} new stores a day per account; ask support to open more at once`, { retryAfterSeconds });
  }

  private async registryTaken(slug: string): Promise<boolean> {
    try {
      return await this.registry.isSlugTaken(slug);
    } catch (error) {
      throw registryUnavailable("could not check the address just now; retry shortly", error);
    }
  }
}

/**
 * The registry's own error names the apiserver, its address and our service account: it goes to
 * the log (as the cause), and the caller, who may be anonymous, gets a plain message.
 */
function registryUnavailable(message: string, cause: unknown): ControlPlaneError {
  return new ControlPlaneError("TENANT_REGISTRY_UNAVAILABLE", message, {}, { cause });
}

/** New stores one account may sign up in 24 hours. */
export const SIGNUPS_PER_DAY = 5;

interface TenantRow {
  slug: string;
  display_name: string;
  plan: TenantPlan;
  owner_user_id: string;
  created_at: Date;
}
const toRecord = (r: TenantRow): TenantRecord => ({ slug: r.slug, displayName: r.display_name, plan: r.plan, ownerUserId: r.owner_user_id, createdAt: r.created_at });
const taken = (slug: string) => new ControlPlaneError("SLUG_TAKEN", `'${slug}' is already taken; choose another slug`, { field: "slug" });
