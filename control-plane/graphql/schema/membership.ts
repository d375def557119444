import type { Membership } from "../../../common/auth-claims.js";
import { builder } from "../builder.js";
import { locationFields } from "./locations.js";
import { RoleEnum } from "./role.js";

export const MembershipRef = builder.objectRef<Membership>("Membership").implement({
  description: "The caller's place at one tenant, as their access token carries it.",
  fields: (t) => ({
    tenantSlug: t.exposeString("tenant"),
    role: t.field({ type: RoleEnum, resolve: (m) => m.role }),
    allLocations: t.boolean({ resolve: (m) => locationFields.allLocations(m.locations) }),
    locationIds: t.stringList({ resolve: (m) => locationFields.locationIds(m.locations) }),
  }),
});

export interface MembershipPayload {
  membership: Membership;
  accessToken: string;
}

export const MembershipPayloadRef = builder.objectRef<MembershipPayload>("MembershipPayload").implement({
  fields: (t) => ({
    membership: t.field({ type: MembershipRef, resolve: (p) => p.membership }),
    accessToken: t.exposeString("accessToken", { description: "A fresh access token that already carries the new membership." }),
  }),
});
