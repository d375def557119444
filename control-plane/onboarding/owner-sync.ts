// Tenants applied by platform ops (`kubectl apply -f tenant.yaml`) name their owner only by phone.
// Adoption gives that phone's user the owner membership — what signup records for self-serve
// tenants — so the owner can log in by OTP and the cell accepts their token. It also keeps the
// billing subscription on the Tenant's plan (started when the Tenant appears, changed from
// tomorrow when ops edit `spec.plan`, ended after today when the Tenant is deleted, even while no
// control plane was running). Idempotent.
import type { Pool } from "pg";
import { inTransaction } from "../../common/pg-transaction.js";
import type { Tenant } from "../../operator/api/v1alpha1/index.js";
import { endSubscription, followTenantPlan, runningSubscriptions } from "../billing/subscriptions.js";
import { normalizeVietnamesePhone } from "../identity/phone.js";

export type Adoption = { adopted: true; userId: string } | { adopted: false; reason: string };

export async function adoptTenantOwner(pool: Pool, tenant: Pick<Tenant, "spec">): Promise<Adoption> {
  const { slug, displayName, plan, owner } = tenant.spec;
  const phone = normalizeVietnamesePhone(owner.phone);
  if (!phone.ok) return { adopted: false, reason: phone.message };
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const user = await client.query<{ id: string }>(
      `INSERT INTO control_plane.users (phone, name) VALUES ($1, $2)
       ON CONFLICT (phone) DO UPDATE SET name = coalesce(control_plane.users.name, excluded.name)
       RETURNING id`,
      [phone.e164, owner.name],
    );
    const userId = user.rows[0]!.id;
    // The manifest names the owner. Ops changing spec.owner.phone hand the tenant over (a business
    // sold): the phone named now becomes the owner, and every other owner of the slug stops being
    // one, so the previous owner no longer sees the new owner's sales, staff or invoices.
    await client.query(
      `INSERT INTO control_plane.tenants (slug, display_name, plan, owner_user_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (slug) DO UPDATE SET display_name = excluded.display_name, plan = excluded.plan, owner_user_id = excluded.owner_user_id`,
      [slug, displayName, plan, userId],
    );
    await client.query(
      `INSERT INTO control_plane.memberships (user_id, tenant_slug, role, locations) VALUES ($1, $2, 'owner', '"*"')
       ON CONFLICT (user_id, tenant_slug) DO UPDATE SET role = 'owner', locations = '"*"'`,
      [userId, slug],
    );
    await client.query(`DELETE FROM control_plane.memberships WHERE tenant_slug = $1 AND role = 'owner' AND user_id <> $2`, [slug, userId]);
    await followTenantPlan(client, { tenantSlug: slug, plan });
    await client.query("COMMIT");
    return { adopted: true, userId };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface OwnerAdoptionOptions {
  intervalMs?: number;
  onError?: (error: unknown) => void;
  onSkipped?: (slug: string, reason: string) => void;
  /**
   * Subscriptions with no Tenant that this loop never saw deleted: at most this many are ended
   * in one round (default 10). More at once looks like a list from the wrong cluster, or one
   * missing Tenants, rather than deletions, and billing must not stop for all of them on that.
   */
  maxUnseenDeletions?: number;
  /** Those subscriptions, left running for staff to check (`npm run billing -- plan --tenant <slug> --plan cancelled --from <day>` ends one). */
  onUnseenDeletionsHeld?: (slugs: string[]) => void;
}

/**
 * In a cluster, Tenants arrive by `kubectl apply` at any time: adopt every Tenant's owner on a
 * schedule (each adoption is idempotent and cheap). Returns a function that stops the loop.
 */
export function startOwnerAdoption(pool: Pool, listTenants: () => Promise<Tenant[]>, options: OwnerAdoptionOptions = {}): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Slugs the last successful round listed: one missing from the next list was deleted between
  // rounds (its finalizer may finish before a round sees its deletionTimestamp).
  let listed = new Set<string>();
  const round = async () => {
    const tenants = await listTenants();
    const present = new Set(tenants.map((t) => t.spec.slug));
    const gone = [...listed].filter((slug) => !present.has(slug));
    for (const tenant of tenants) {
      if (tenant.metadata.deletionTimestamp) {
        gone.push(tenant.spec.slug);
        continue;
      }
      const adoption = await adoptTenantOwner(pool, tenant);
      if (!adoption.adopted) options.onSkipped?.(tenant.spec.slug, adoption.reason);
    }
    const unseen = await unseenDeletions(pool, listTenants, present, new Set(gone));
    const max = options.maxUnseenDeletions ?? 10;
    if (unseen.length > max) options.onUnseenDeletionsHeld?.(unseen);
    else gone.push(...unseen);
    for (const slug of gone) await inTransaction(pool, (client) => endSubscription(client, slug));
    listed = new Set(tenants.filter((t) => !t.metadata.deletionTimestamp).map((t) => t.spec.slug));
  };
  const loop = () => {
    if (stopped) return;
    round()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 30_000);
      });
  };
  loop();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/**
 * Subscriptions still running for a Tenant that no longer exists and that no round saw go: deleted
 * while no loop was watching (every control-plane replica down, or before the first round).
 * Signup records the subscription in the transaction that creates the Tenant, so a subscription
 * read here was committed after its Tenant existed; one absent from a list taken after that read
 * was deleted, not still on its way. `listed` is the round's first list, taken before the read.
 */
async function unseenDeletions(pool: Pool, listTenants: () => Promise<Tenant[]>, listed: Set<string>, ending: Set<string>): Promise<string[]> {
  const candidates = (await runningSubscriptions(pool)).filter((slug) => !listed.has(slug) && !ending.has(slug));
  if (candidates.length === 0) return [];
  const now = new Set((await listTenants()).map((t) => t.spec.slug));
  return candidates.filter((slug) => !now.has(slug));
}
