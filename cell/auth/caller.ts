// Who is calling and for which tenant: the tenant comes only from the router's signed header,
// the person from the control plane's access token, and the two must agree (membership).
import { GraphQLError } from "graphql";
import type { JWTVerifyGetKey } from "jose";
import { membershipFor, TENANT_HEADER, TENANT_SIGNATURE_HEADER, type Role } from "../../common/index.js";
import { InvalidAccessTokenError, verifyAccessToken } from "./access-token.js";
import { verifyTenantHeader } from "./tenant-header.js";
import type { TenantDirectory } from "./tenant-directory.js";

export interface Caller {
  tenantId: string;
  tenantSlug: string;
  /** Token subject (control-plane user id). */
  userId: string;
  phone: string;
  role: Role;
  /** Location ids the caller may see, or "*" for all of the tenant's locations. */
  locations: "*" | ReadonlySet<string>;
  /** When the access token lapses (ms since the epoch): long-lived connections end there. */
  expiresAt: number;
}

export interface CallerDeps {
  routerSigningKey: string;
  /** During a key rotation, the router's previous key: headers signed with it are accepted too. */
  routerSigningKeyPrevious?: string | undefined;
  keys: JWTVerifyGetKey;
  tenants: TenantDirectory;
}

function refuse(message: string, code: string, status: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

export async function identifyCaller(headers: Headers, deps: CallerDeps): Promise<Caller> {
  const slug = headers.get(TENANT_HEADER) ?? undefined;
  const keys = { current: deps.routerSigningKey, previous: deps.routerSigningKeyPrevious };
  const check = verifyTenantHeader(keys, slug, headers.get(TENANT_SIGNATURE_HEADER) ?? undefined);
  if (!check.ok) throw refuse(`tenant header ${check.reason}: requests must come through the router`, "TENANT_HEADER_INVALID", 401);

  const authorization = headers.get("authorization");
  const token = authorization?.startsWith("Bearer ") ? authorization.slice(7).trim() : undefined;
  if (!token) throw refuse("missing access token: send 'Authorization: Bearer <token>'", "UNAUTHENTICATED", 401);
  let claims, expiresAt;
  try {
    ({ claims, expiresAt } = await verifyAccessToken(token, deps.keys));
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) throw refuse(error.message, "UNAUTHENTICATED", 401);
    throw error;
  }
  const membership = membershipFor(claims, check.slug);
  if (!membership) throw refuse(`the access token has no membership of tenant '${check.slug}'`, "FORBIDDEN", 403);

  const tenant = await deps.tenants.lookup(check.slug);
  if (!tenant) throw refuse(`tenant '${check.slug}' is not served by this cell`, "TENANT_NOT_FOUND", 404);
  if (tenant.status !== "active") throw refuse(`tenant '${check.slug}' is archived`, "TENANT_ARCHIVED", 403);

  return {
    tenantId: tenant.id,
    tenantSlug: check.slug,
    userId: claims.sub,
    phone: claims.phone,
    role: membership.role,
    locations: membership.locations === "*" ? "*" : new Set(membership.locations),
    expiresAt,
  };
}

/**
 * Owners and managers see a location's figures (revenue, dashboards, order history); staff see
 * only the orders and payments of the last 48 hours, which the till needs (docs/cell.md, roles).
 */
export function canSeeFigures(caller: Caller): boolean {
  return caller.role === "owner" || caller.role === "manager";
}

/**
 * How far back staff see orders, and may date a sale: a shift that ran past midnight, or a till
 * that was offline. Older orders add up to revenue figures, which are for owners and managers.
 */
export const STAFF_ORDER_WINDOW_MS = 48 * 3_600_000;

/** Whether the caller may see an order placed at `orderedAt`: owners and managers always, staff within the window. */
export function canSeeOrderAt(caller: Caller, orderedAt: Date, now = Date.now()): boolean {
  return canSeeFigures(caller) || orderedAt.getTime() >= now - STAFF_ORDER_WINDOW_MS;
}

export function canSeeLocation(caller: Caller, locationId: string): boolean {
  return caller.locations === "*" || caller.locations.has(locationId);
}

/** A Prisma `where` fragment limiting rows to the caller's locations. */
export function locationFilter(caller: Caller): { in: string[] } | undefined {
  return caller.locations === "*" ? undefined : { in: [...caller.locations] };
}
