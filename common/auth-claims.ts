// What an access token issued by the control plane says, and how every service reads it.
// Tokens never name a cell: a tenant can move between cells and its users' tokens keep working.
import { z } from "zod";

export const ACCESS_TOKEN_ISSUER = "https://app.localstoreplatform.com";
export const ACCESS_TOKEN_AUDIENCE = "lsp";

export const Role = z.enum(["owner", "manager", "staff"]);
export type Role = z.infer<typeof Role>;

export const Membership = z.object({
  /** Tenant slug. */
  tenant: z.string(),
  role: Role,
  /** Location ids this member may see; "*" for all of the tenant's locations. */
  locations: z.union([z.literal("*"), z.array(z.string())]),
});
export type Membership = z.infer<typeof Membership>;

export const AccessTokenClaims = z.object({
  sub: z.string(),
  phone: z.string(),
  memberships: z.array(Membership),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaims>;

/** The caller's membership of `tenant`, or undefined: a token for tenant A is useless at tenant B. */
export function membershipFor(claims: AccessTokenClaims, tenant: string): Membership | undefined {
  return claims.memberships.find((m) => m.tenant === tenant);
}
