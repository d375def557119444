// Places a tenant in a cell: the tenant row, its owner as a staff member, and its locations.
// Called by the operator (Tenant controller) and the local platform as the platform's admin role.
import type pg from "pg";
import { z } from "zod";
import { lockSchemaForTenants, schemaLockKey } from "./migrations.js";
import { cellDatabaseNames } from "./names.js";

export const DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh";

/** Accepts IANA names ICU knows, including aliases such as Asia/Ho_Chi_Minh (ICU's canonical name is Asia/Saigon). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return /^[A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(tz);
  } catch {
    return false;
  }
}

export const TenantProvisioningInput = z.object({
  slug: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label: lowercase letters, digits and '-'"),
  displayName: z.string().trim().min(1).max(200),
  plan: z.string().trim().min(1).max(50),
  owner: z.object({
    phone: z.string().regex(/^\+?[0-9]{8,15}$/, "must be a phone number of 8-15 digits, optionally starting with +"),
    name: z.string().trim().min(1).max(200),
  }),
  locations: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(200),
        timezone: z
          .string()
          .refine(isTimeZone, "must be an IANA time zone such as Asia/Ho_Chi_Minh")
          .optional(),
      }),
    )
    .max(500),
});

export type TenantProvisioning = z.input<typeof TenantProvisioningInput>;

export class InvalidTenantProvisioningError extends Error {
  constructor(readonly issues: { field: string; message: string }[]) {
    super(`invalid tenant: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
    this.name = "InvalidTenantProvisioningError";
  }
}

/**
 * Idempotent by slug: a second call with the same slug updates the display name and plan, adds
 * missing locations (by name) and the owner if absent, and returns the same tenant id. An
 * archived tenant is restored only for one of its own owners: a new business that takes a slug
 * someone archived in this cell must not be handed the old one's orders and staff (refused,
 * naming `slug`; the old data stays until it is deleted).
 */
export async function provisionTenant(admin: pg.ClientBase, cellName: string, tenant: TenantProvisioning): Promise<{ tenantId: string }> {
  const parsed = TenantProvisioningInput.safeParse(tenant);
  if (!parsed.success) {
    throw new InvalidTenantProvisioningError(parsed.error.issues.map((i) => ({ field: i.path.join(".") || "(root)", message: i.message })));
  }
  const t = parsed.data;
  const { schema } = cellDatabaseNames(cellName);
  const s = admin.escapeIdentifier(schema);
  // One statement, so one round trip and its own transaction: a burst provisions hundreds of
  // tenants, and eight round trips each (begin, lock, five inserts, commit) were most of the time.
  // Every insert reads from `lock`, so the schema's shared lock is held before anything is written.
  const { rows } = await admin.query<{ id: string; inserted: boolean }>(
    `with lock as (select pg_advisory_xact_lock_shared(hashtextextended($1, 0))),
     tenant as (
       insert into ${s}.tenants (slug, display_name, plan) select $2, $3, $4 from lock
       on conflict (slug) do update set display_name = excluded.display_name, plan = excluded.plan, status = 'active', archived_at = null
         where ${s}.tenants.status <> 'archived'
            or exists (select 1 from ${s}.staff_members m where m.tenant_id = ${s}.tenants.id and m.role = 'owner' and m.phone = $5)
       returning id, (xmax = 0) as inserted),
     owner as (
       insert into ${s}.staff_members (tenant_id, phone, name, role, all_locations) select id, $5, $6, 'owner', true from tenant
       on conflict (tenant_id, phone) do nothing),
     located as (
       insert into ${s}.locations (tenant_id, name, timezone) select tenant.id, l.name, l.timezone from tenant, unnest($7::text[], $8::text[]) as l (name, timezone)
       on conflict (tenant_id, name) do nothing),
     audited as (
       insert into ${s}.audit_log (tenant_id, actor, action, entity, entity_id, data)
       select id, 'platform', 'tenant.provisioned', 'tenant', id::text, jsonb_build_object('slug', $2::text, 'plan', $4::text) from tenant where inserted),
     announced as (
       insert into ${s}.outbox (tenant_id, topic, key, payload)
       select id, 'tenant.provisioned', $2, jsonb_build_object('tenantId', id, 'slug', $2::text, 'plan', $4::text) from tenant where inserted)
     select id, inserted from tenant`,
    [schemaLockKey(schema), t.slug, t.displayName, t.plan, t.owner.phone, t.owner.name, t.locations.map((l) => l.name), t.locations.map((l) => l.timezone ?? DEFAULT_TIMEZONE)],
  );
  if (!rows[0]) {
    throw new InvalidTenantProvisioningError([{ field: "slug", message: `'${t.slug}' belongs to an archived business in cell ${cellName} with another owner; delete its data (deletionPolicy Delete) or choose another slug` }]);
  }
  return { tenantId: rows[0].id };
}

/**
 * Idempotent. "delete" removes the tenant and every row it owns; "archive" keeps the data but
 * the cell API refuses the tenant's requests from then on.
 */
export async function deprovisionTenant(admin: pg.ClientBase, cellName: string, slug: string, mode: "delete" | "archive"): Promise<void> {
  if (mode !== "delete" && mode !== "archive") throw new Error(`mode: expected "delete" or "archive", got ${JSON.stringify(mode)}`);
  const { schema } = cellDatabaseNames(cellName);
  const s = admin.escapeIdentifier(schema);
  await admin.query("begin");
  try {
    await lockSchemaForTenants(admin, schema);
    const present = await admin.query("select 1 from pg_namespace where nspname = $1", [schema]);
    if (present.rowCount === 0) {
      await admin.query("commit");
      return;
    }
    if (mode === "delete") {
      await admin.query(`delete from ${s}.tenants where slug = $1`, [slug]);
    } else {
      const { rows } = await admin.query<{ id: string }>(
        `update ${s}.tenants set status = 'archived', archived_at = now() where slug = $1 and status <> 'archived' returning id`,
        [slug],
      );
      if (rows[0]) {
        await admin.query(
          `insert into ${s}.audit_log (tenant_id, actor, action, entity, entity_id) values ($1::uuid, 'platform', 'tenant.archived', 'tenant', $1::text)`,
          [rows[0].id],
        );
      }
    }
    await admin.query("commit");
  } catch (error) {
    await admin.query("rollback");
    throw error;
  }
}
