import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type pg from "pg";
import type { Tenant } from "../../operator/api/v1alpha1/index.js";
import { membershipsOf } from "../identity/users.js";
import { createTestDatabase, type TestDatabase } from "../testing/databases.js";
import { adoptTenantOwner, startOwnerAdoption } from "./owner-sync.js";

const suffix = process.pid;
function tenant(slug: string, phone: string, name = "Chủ quán", plan: Tenant["spec"]["plan"] = "growth"): Tenant {
  return { apiVersion: "localstoreplatform.com/v1alpha1", kind: "Tenant", metadata: { name: slug }, spec: { slug, displayName: "Quán Ăn", plan, owner: { phone, name }, isolation: "shared" } };
}
const localDay = (offsetDays: number) => new Date(Date.now() + 7 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe("Given Tenants applied with kubectl, which name their owner only by phone", () => {
  // A database of its own: the adoption loop ends subscriptions that have no Tenant, which in the
  // shared database would be every other test file's.
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase("adopt");
    pool = db.pool;
  });
  afterAll(async () => {
    await db.drop();
  });

  it("gives the owner's phone an owner membership of every location, once", async () => {
    const slug = `adopt-a-${suffix}`;
    const first = await adoptTenantOwner(pool, tenant(slug, "+84 912 000 111"));
    const second = await adoptTenantOwner(pool, tenant(slug, "+84912000111"));
    expect(first.adopted && second.adopted && first.userId === second.userId).toBe(true);
    const memberships = await membershipsOf(pool, (first as { userId: string }).userId);
    expect(memberships.filter((m) => m.tenant === slug)).toEqual([{ tenant: slug, role: "owner", locations: "*" }]);
  });

  it("hands the tenant over when the manifest names a new owner (a business sold): the previous owner keeps no access", async () => {
    const slug = `adopt-b-${suffix}`;
    const first = (await adoptTenantOwner(pool, tenant(slug, "+84912000222"))) as { userId: string };
    const second = (await adoptTenantOwner(pool, tenant(slug, "+84912000333"))) as { userId: string };
    const { rows } = await pool.query<{ owner_user_id: string }>(`select owner_user_id from control_plane.tenants where slug = $1`, [slug]);
    expect(rows[0]!.owner_user_id).toBe(second.userId);
    expect((await membershipsOf(pool, first.userId)).find((m) => m.tenant === slug)).toBeUndefined();
    expect((await membershipsOf(pool, second.userId)).find((m) => m.tenant === slug)?.role).toBe("owner");
    // Adopting the same manifest again changes nothing.
    await adoptTenantOwner(pool, tenant(slug, "+84912000333"));
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
  describe("a Tenant deleted while no adoption loop was running (every control-plane replica down)", () => {
    const latestPlan = async (slug: string) => (await pool.query(`select effective_on::text as day, plan from billing.subscription_changes where tenant_slug = $1 order by effective_on desc limit 1`, [slug])).rows[0];
    const until = async (done: () => Promise<boolean>) => {
      for (let i = 0; i < 100 && !(await done()); i++) await new Promise((r) => setTimeout(r, 50));
    };

    it("is cancelled from tomorrow by the next loop, and a Tenant that appears while a round runs is not", async () => {
      await pool.query(`delete from billing.subscription_changes`);
      const [deleted, kept, arriving] = [`adopt-i-${suffix}`, `adopt-j-${suffix}`, `adopt-k-${suffix}`];
      for (const [slug, phone] of [[deleted, "+84912000881"], [kept, "+84912000882"], [arriving, "+84912000883"]] as const) await adoptTenantOwner(pool, tenant(slug, phone));
      // The round's first list misses `arriving` (created as signup commits, after the list was
      // taken); every later list has it.
      let lists = 0;
      const stop = startOwnerAdoption(pool, async () => (lists++ === 0 ? [tenant(kept, "+84912000882")] : [tenant(kept, "+84912000882"), tenant(arriving, "+84912000883")]), { intervalMs: 50 });
      try {
        await until(async () => (await latestPlan(deleted))?.plan === "cancelled" && lists > 3);
        expect(await latestPlan(deleted)).toEqual({ day: localDay(1), plan: "cancelled" });
        expect(await latestPlan(kept)).toEqual({ day: localDay(0), plan: "growth" });
        expect(await latestPlan(arriving)).toEqual({ day: localDay(0), plan: "growth" });
      } finally {
        stop();
      }
    });

    it("is left running, and reported, when more subscriptions than maxUnseenDeletions lack a Tenant at once", async () => {
      await pool.query(`delete from billing.subscription_changes`);
      const slugs = [`adopt-l-${suffix}`, `adopt-m-${suffix}`, `adopt-n-${suffix}`];
      for (const [i, slug] of slugs.entries()) await adoptTenantOwner(pool, tenant(slug, `+8491200099${i}`));
      const held: string[][] = [];
      const stop = startOwnerAdoption(pool, async () => [], { intervalMs: 50, maxUnseenDeletions: 2, onUnseenDeletionsHeld: (s) => held.push(s) });
      try {
        await until(async () => held.length >= 2);
        expect(held[0]).toEqual(slugs);
        for (const slug of slugs) expect(await latestPlan(slug)).toEqual({ day: localDay(0), plan: "growth" });
      } finally {
        stop();
      }
    });
  });
});
