import { builder } from "../builder.js";

export const RoleEnum = builder.enumType("Role", {
  values: {
    OWNER: { value: "owner", description: "Signed the tenant up; everything, including staff and billing." },
    MANAGER: { value: "manager", description: "Runs locations; invites staff to them." },
    STAFF: { value: "staff", description: "Works at locations; sees their data." },
  } as const,
});

export const GrantableRoleEnum = builder.enumType("GrantableRole", {
  description: "Roles an invite or join code can grant (owners are made only by signup).",
  values: { MANAGER: { value: "manager" }, STAFF: { value: "staff" } } as const,
});

interface RoleInfo {
  role: "owner" | "manager" | "staff";
  description: string;
  canGrant: ("manager" | "staff")[];
}

const ROLES: RoleInfo[] = [
  { role: "owner", description: "Signed the tenant up; manages staff, join codes and every location.", canGrant: ["manager", "staff"] },
  { role: "manager", description: "Runs the locations they are given and invites staff to them.", canGrant: ["staff"] },
  { role: "staff", description: "Works at the locations they are given and sees their data.", canGrant: [] },
];

const RoleInfoRef = builder.objectRef<RoleInfo>("RoleInfo").implement({
  fields: (t) => ({
    role: t.field({ type: RoleEnum, resolve: (r) => r.role }),
    description: t.exposeString("description"),
    canGrant: t.field({ type: [GrantableRoleEnum], resolve: (r) => r.canGrant }),
  }),
});

builder.queryField("roles", (t) => t.field({ type: [RoleInfoRef], description: "The roles a member can have, and what each may grant.", resolve: () => ROLES }));
