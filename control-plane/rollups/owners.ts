// Which tenants a person may see rolled up: those they are an owner of (control_plane.memberships).
import type pg from "pg";

export async function ownedTenants(pool: pg.Pool | pg.ClientBase, userId: string): Promise<string[]> {
  const { rows } = await pool.query<{ tenant_slug: string }>(`select tenant_slug from control_plane.memberships where user_id = $1 and role = 'owner' order by tenant_slug`, [userId]);
  return rows.map((r) => r.tenant_slug);
}
