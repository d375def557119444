import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import type { Tenant } from "../../operator/api/v1alpha1/index.js";
import { migrateBilling } from "../billing/migrate.js";
import { migrate } from "../db/migrate.js";
import { membershipsOf } from "../identity/users.js";
import { adoptTenantOwner, startOwnerAdoption } from "./owner-sync.js";

const suffix = process.pid;
function tenant(slug: string, phone: string, name = "Chủ quán", plan: Tenant["spec"]["plan"] = "growth"): Tenant {
  return { apiVersion: "localstoreplatform.com/v1alpha1", kind: "Tenant", metadata: { name: slug }, spec: { slug, displayName: "Quán Ăn", plan, owner: { phone, name }, isolation: "shared" } };
}
const localDay = (offsetDays: number) => new Date(Date.now() + 7 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe("Given Tenants applied with kubectl, which name their owner only by phone", () => {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });

  beforeAll(async () => {
    await migrate(pool);
    await migrateBilling(pool);
  });
  afterAll(async () => {
    await pool.query(`delete from control_plane.tenants where slug like $1`, [`adopt-%-${suffix}`]);
    await pool.query(`delete from billing.subscription_changes where tenant_slug like $1`, [`adopt-%-${suffix}`]);
    await pool.end();
  });

  it("gives the owner's phone an owner membership of every location, once", async () => {
    const slug = `adopt-a-${suffix}`;
    const first = await adoptTenantOwner(pool, tenant(slug, "+84 912 000 111"));
    const second = await adoptTenantOwner(pool, tenant(slug, "+84912000111"));
    expect(first.adopted && second.adopted && first.userId === second.userId).toBe(true);
    const memberships = await membershipsOf(pool, (first as { userId: string }).userId);
    expect(memberships.filter((m) => m.tenant === slug)).toEqual([{ tenant: slug, role: "owner", locations: "*" }]);
  });

  it("keeps the recorded owner of a slug when the manifest names a new owner, who becomes an owner too", async () => {
    const slug = `adopt-b-${suffix}`;
    const first = (await adoptTenantOwner(pool, tenant(slug, "+84912000222"))) as { userId: string };
    const second = (await adoptTenantOwner(pool, tenant(slug, "+84912000333"))) as { userId: string };
    const { rows } = await pool.query<{ owner_user_id: string }>(`select owner_user_id from control_plane.tenants where slug = $1`, [slug]);
    expect(rows[0]!.owner_user_id).toBe(first.userId);
    expect((await membershipsOf(pool, first.userId)).find((m) => m.tenant === slug)?.role).toBe("owner");
    expect((await membershipsOf(pool, second.userId)).find((m) => m.tenant === slug)?.role).toBe("owner");
  });

  it("skips an owner whose phone cannot sign in, saying why", async () => {
    expect(await adoptTenantOwner(pool, tenant(`adopt-c-${suffix}`, "+14155550100"))).toEqual({ adopted: false, reason: expect.stringContaining("Vietnamese") });
  });

  it("adopts Tenants listed by the cluster on a schedule and reports the ones it skips", async () => {
    const skipped: string[] = [];
    const stop = startOwnerAdoption(pool, async () => [tenant(`adopt-d-${suffix}`, "+84912000444"), tenant(`adopt-e-${suffix}`, "+14155550100")], { intervalMs: 50, onSkipped: (slug) => skipped.push(slug) });
    try {
      for (let i = 0; i < 100 && skipped.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const { rows } = await pool.query(`select 1 from control_plane.memberships where tenant_slug = $1 and role = 'owner'`, [`adopt-d-${suffix}`]);
      expect(rows).toHaveLength(1);
      expect(skipped[0]).toBe(`adopt-e-${suffix}`);
    } finally {
      stop();
    }
  });

  it("bills the Tenant's plan: started today, an edit of spec.plan from tomorrow, nothing new for the same plan", async () => {
    const slug = `adopt-f-${suffix}`;
    const changes = async () => (await pool.query(`select effective_on::text as day, plan from billing.subscription_changes where tenant_slug = $1 order by effective_on`, [slug])).rows;
    await adoptTenantOwner(pool, tenant(slug, "+84912000555"));
    expect(await changes()).toEqual([{ day: localDay(0), plan: "growth" }]);
    await adoptTenantOwner(pool, tenant(slug, "+84912000555"));
    await adoptTenantOwner(pool, tenant(slug, "+84912000555", "Chủ quán", "chain"));
    await adoptTenantOwner(pool, tenant(slug, "+84912000555", "Chủ quán", "chain"));
    expect(await changes()).toEqual([{ day: localDay(0), plan: "growth" }, { day: localDay(1), plan: "chain" }]);
  });

  it("ends the subscription after today when a Tenant is deleted, whether a round sees it being deleted or already gone", async () => {
    const [going, gone] = [`adopt-g-${suffix}`, `adopt-h-${suffix}`];
    let listed = [tenant(going, "+84912000666"), tenant(gone, "+84912000777")];
    const stop = startOwnerAdoption(pool, async () => listed, { intervalMs: 50 });
    const latest = async (slug: string) => (await pool.query(`select effective_on::text as day, plan from billing.subscription_changes where tenant_slug = $1 order by effective_on desc limit 1`, [slug])).rows[0];
    try {
      for (let i = 0; i < 100 && (await latest(gone)) === undefined; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await latest(going)).toEqual({ day: localDay(0), plan: "growth" });
      listed = [{ ...tenant(going, "+84912000666"), metadata: { name: going, deletionTimestamp: new Date().toISOString() } }];
      for (let i = 0; i < 100 && ((await latest(going))?.plan !== "cancelled" || (await latest(gone))?.plan !== "cancelled"); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await latest(going)).toEqual({ day: localDay(1), plan: "cancelled" });
      expect(await latest(gone)).toEqual({ day: localDay(1), plan: "cancelled" });
    } finally {
      stop();
    }
  });
});
