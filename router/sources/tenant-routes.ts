// Tenant objects → routes. Kept apart from the informer plumbing so the mapping (and its one
// security rule: a slug claimed by two Tenants routes nowhere) is unit-testable.
import type { Tenant } from "../../operator/api/v1alpha1/index.js";
import type { RouteSpec } from "../route-table.js";

export function routeSpecOf(tenant: Tenant): RouteSpec {
  return {
    endpoint: tenant.status?.endpoint || undefined,
    suspended: tenant.spec?.suspended === true,
    hold: tenant.status?.hold === true,
  };
}

/**
 * Tracks which Tenant object claims which slug. Two objects with one slug is an operator bug,
 * but the router must not guess between them: such a slug is withdrawn until one goes away.
 */
export class TenantRoutes {
  readonly #byName = new Map<string, { slug: string; spec: RouteSpec }>();
  readonly #claims = new Map<string, Set<string>>();

  /** Records a Tenant; returns the slugs whose route may have changed. */
  upsert(tenant: Tenant): string[] {
    const name = tenant.metadata.name;
    const slug = tenant.spec?.slug;
    const touched = this.remove(name);
    if (typeof slug !== "string" || slug.length === 0) return touched;
    this.#byName.set(name, { slug, spec: routeSpecOf(tenant) });
    let names = this.#claims.get(slug);
    if (!names) this.#claims.set(slug, (names = new Set()));
    names.add(name);
    return touched.includes(slug) ? touched : [...touched, slug];
  }

  /** Forgets a Tenant by name; returns the slugs whose route may have changed. */
  remove(name: string): string[] {
    const previous = this.#byName.get(name);
    if (!previous) return [];
    this.#byName.delete(name);
    const names = this.#claims.get(previous.slug)!;
    names.delete(name);
    if (names.size === 0) this.#claims.delete(previous.slug);
    return [previous.slug];
  }

  /** The route for a slug now: undefined when no Tenant, or more than one, claims it. */
  specFor(slug: string): RouteSpec | undefined {
    const names = this.#claims.get(slug);
    if (!names || names.size !== 1) return undefined;
    const [name] = names;
    return this.#byName.get(name!)!.spec;
  }

  conflicts(): string[] {
    return [...this.#claims].filter(([, names]) => names.size > 1).map(([slug]) => slug);
  }

  /** Every routable slug. */
  all(): Map<string, RouteSpec> {
    const out = new Map<string, RouteSpec>();
    for (const slug of this.#claims.keys()) {
      const spec = this.specFor(slug);
      if (spec) out.set(slug, spec);
    }
    return out;
  }

  clear(): void {
    this.#byName.clear();
    this.#claims.clear();
  }
}
