// Resolves the router's tenant slug to the tenant's id and status. The lookup runs before any
// tenant is set (through the schema's security-definer tenant_by_slug function) and is cached
// briefly, so an archived tenant is refused within TTL_MS.
import type pg from "pg";

export interface TenantRecord {
  id: string;
  status: string;
}

export interface TenantDirectory {
  lookup(slug: string): Promise<TenantRecord | undefined>;
}

const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export function tenantDirectory(pool: pg.Pool): TenantDirectory {
  const cache = new Map<string, { at: number; value: TenantRecord | undefined }>();
  return {
    async lookup(slug) {
      const hit = cache.get(slug);
      const now = Date.now();
      if (hit && now - hit.at < TTL_MS) return hit.value;
      const { rows } = await pool.query<TenantRecord>("select id, status from tenant_by_slug($1)", [slug]);
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(slug, { at: now, value: rows[0] });
      return rows[0];
    },
  };
}
