import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { decodeJwt } from "jose";
import { randomPhone } from "../testing/databases.js";
import type { ControlPlaneConfig } from "../server.js";
import { startHarness, type Harness } from "../testing/harness.js";
import { MemoryState } from "../identity/memory-state.js";
import { Staff } from "./staff.js";

// The same suite with Redis and with single-process state (no Redis URL, ADR 0540).
const stateModes: [string, Partial<ControlPlaneConfig>][] = [
  ["Redis", {}],
  ["process memory (single-process mode)", { redisUrl: undefined }],
];

describe.each(stateModes)("Given staff codes rate-limited in %s", (_mode, overrides) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(overrides);
  });
  afterAll(async () => {
    await h.stop();
  });

  let n = 0;
  async function ownerWithTenant() {
    const owner = await h.signIn(randomPhone());
    const slug = `chain-${Date.now().toString(36)}-${++n}`;
    const r = await h.graphql(`mutation($i: SignupTenantInput!) { signupTenant(input: $i) { accessToken } }`, { i: { slug, displayName: "Chuỗi Phở", ownerName: "Chủ" } }, owner.accessToken);
    return { ...owner, accessToken: r.data.signupTenant.accessToken as string, slug };
  }

  const INVITE = `mutation($i: InviteStaffInput!) { inviteStaff(input: $i) { id phone role status allLocations locationIds expiresAt } }`;
  const ACCEPT = `mutation($c: String!) { acceptInvite(code: $c) { accessToken membership { tenantSlug role allLocations locationIds } } }`;
  const CREATE_CODE = `mutation($i: CreateJoinCodeInput!) { createJoinCode(input: $i) { code joinCode { id role hint active locationIds } } }`;
  const JOIN = `mutation($c: String!) { joinWithCode(code: $c) { accessToken membership { tenantSlug role locationIds } } }`;
  const inviteCode = (sms: string) => /ma moi ([A-Z2-9]{8})/.exec(sms)?.[1];

  /** A manager of `owner`'s tenant at `locationIds`, invited by SMS and signed in: their session and the token with the membership. */
  async function invitedManager(owner: { slug: string; accessToken: string }, locationIds: string[]) {
    const managerPhone = randomPhone();
    await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: managerPhone, role: "MANAGER", locationIds } }, owner.accessToken);
    const invitation = inviteCode(await h.lastSms(managerPhone));
    const manager = await h.signIn(managerPhone);
    const token = (await h.graphql(ACCEPT, { c: invitation }, manager.accessToken)).data.acceptInvite.accessToken as string;
    return { manager, token };
  }

  describe("Given an owner inviting staff by phone", () => {
    it("texts a one-time code that only the invited phone can redeem, once", async () => {
      const owner = await ownerWithTenant();
      const staffPhone = randomPhone();
      const invited = await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: staffPhone.replace("+84", "0"), role: "STAFF", locationIds: ["loc-1"] } }, owner.accessToken);
      expect(invited.errors).toBeUndefined();
      expect(invited.data.inviteStaff).toMatchObject({ phone: staffPhone, role: "STAFF", status: "PENDING", allLocations: false, locationIds: ["loc-1"] });
      const code = inviteCode(await h.lastSms(staffPhone))!;
      expect(code).toBeDefined();

      const intruder = await h.signIn(randomPhone());
      expect((await h.graphql(ACCEPT, { c: code }, intruder.accessToken)).errors?.[0]?.extensions?.code).toBe("INVITE_INVALID");

      const staff = await h.signIn(staffPhone);
      const accepted = await h.graphql(ACCEPT, { c: code.toLowerCase() }, staff.accessToken);
      expect(accepted.data.acceptInvite.membership).toEqual({ tenantSlug: owner.slug, role: "STAFF", allLocations: false, locationIds: ["loc-1"] });
      expect(decodeJwt(accepted.data.acceptInvite.accessToken).memberships).toEqual([{ tenant: owner.slug, role: "staff", locations: ["loc-1"] }]);
      // A refresh of the session started before accepting picks the membership up too.
      const refreshed = await h.post("/auth/refresh", { refreshToken: staff.refreshToken });
      expect(decodeJwt(refreshed.body.accessToken).memberships).toEqual([{ tenant: owner.slug, role: "staff", locations: ["loc-1"] }]);

      expect((await h.graphql(ACCEPT, { c: code }, staff.accessToken)).errors?.[0]?.extensions?.code).toBe("INVITE_INVALID");
      const list = await h.graphql(`query($s: String!) { tenant(slug: $s) { invites { status } staff { phone role } } }`, { s: owner.slug }, owner.accessToken);
      expect(list.data.tenant.invites).toEqual([{ status: "ACCEPTED" }]);
      expect(list.data.tenant.staff.map((s: { role: string }) => s.role)).toEqual(["OWNER", "STAFF"]);
    });

    it("refuses an expired invite", async () => {
      const owner = await ownerWithTenant();
      const phone = randomPhone();
      const invited = await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone, role: "MANAGER" } }, owner.accessToken);
      const code = inviteCode(await h.lastSms(phone))!;
      await h.db.pool.query("UPDATE control_plane.invites SET expires_at = now() - interval '1 second' WHERE id = $1", [invited.data.inviteStaff.id]);
      const staff = await h.signIn(phone);
      const refused = await h.graphql(ACCEPT, { c: code }, staff.accessToken);
      expect(refused.errors?.[0]).toMatchObject({ message: expect.stringMatching(/expired/), extensions: { code: "INVITE_INVALID" } });
    });

    it("supersedes an earlier pending invite and honours revocation", async () => {
      const owner = await ownerWithTenant();
      const phone = randomPhone();
      await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone, role: "STAFF" } }, owner.accessToken);
      const first = inviteCode(await h.lastSms(phone))!;
      const second = await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone, role: "STAFF" } }, owner.accessToken);
      const secondCode = inviteCode(await h.lastSms(phone))!;
      await h.graphql(`mutation($id: ID!) { revokeInvite(id: $id) { status } }`, { id: second.data.inviteStaff.id }, owner.accessToken);
      const staff = await h.signIn(phone);
      expect((await h.graphql(ACCEPT, { c: first }, staff.accessToken)).errors?.[0]?.extensions?.code).toBe("INVITE_INVALID");
      expect((await h.graphql(ACCEPT, { c: secondCode }, staff.accessToken)).errors?.[0]?.extensions?.code).toBe("INVITE_INVALID");
    });

    it("caps invites per phone (each is an SMS), and leaves nothing pending when the SMS cannot go out", async () => {
      const owner = await ownerWithTenant();
      const phone = randomPhone();
      for (let i = 0; i < 3; i++) expect((await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone, role: "STAFF" } }, owner.accessToken)).errors).toBeUndefined();
      const fourth = await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone, role: "STAFF" } }, owner.accessToken);
      expect(fourth.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED" });
      expect(fourth.errors?.[0]?.message).toMatch(/too many invites to \+84/);

      // The same Staff service with a gateway that is down: the invite is revoked, the last one kept.
      const down = new Staff(h.db.pool, new MemoryState(), { name: "down", send: () => Promise.reject(new Error("gateway timeout")) }, "harness-pepper-0123456789");
      const before = (await h.graphql(`query($s: String!) { tenant(slug: $s) { invites { id status } } }`, { s: owner.slug }, owner.accessToken)).data.tenant.invites as { id: string; status: string }[];
      const pending = before.filter((i) => i.status === "PENDING");
      expect(pending).toHaveLength(1);
      const ownerUser = { id: owner.user.id, phone: owner.user.phone } as Parameters<Staff["invite"]>[0];
      await expect(down.invite(ownerUser, { tenant: owner.slug, phone, role: "staff" })).rejects.toMatchObject({ code: "SMS_UNAVAILABLE" });
      const after = (await h.graphql(`query($s: String!) { tenant(slug: $s) { invites { id status } } }`, { s: owner.slug }, owner.accessToken)).data.tenant.invites as { id: string; status: string }[];
      expect(after.filter((i) => i.status === "PENDING").map((i) => i.id)).toEqual(pending.map((i) => i.id));
      expect(after).toHaveLength(before.length + 1);
    });

    it("stops a user guessing codes after 10 tries", async () => {
      const guesser = await h.signIn(randomPhone());
      const codes = [];
      for (let i = 0; i < 11; i++) codes.push((await h.graphql(ACCEPT, { c: `GUESS${String(i).padStart(3, "2")}` }, guesser.accessToken)).errors?.[0]?.extensions?.code);
      expect(codes.slice(0, 10).every((c) => c === "INVITE_INVALID")).toBe(true);
      expect(codes[10]).toBe("RATE_LIMITED");
    });
  });

  describe("Given roles and permissions", () => {
    it("lets a manager invite staff to their own locations only, never managers", async () => {
      const owner = await ownerWithTenant();
      const { token } = await invitedManager(owner, ["q1", "q3"]);

      expect((await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "STAFF", locationIds: ["q1"] } }, token)).errors).toBeUndefined();
      expect((await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "MANAGER", locationIds: ["q1"] } }, token)).errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "role" });
      expect((await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "STAFF", locationIds: ["q7"] } }, token)).errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "locations" });
      expect((await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "STAFF" } }, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    });

    it("lets a manager revoke only invites they could have made", async () => {
      const owner = await ownerWithTenant();
      const { token } = await invitedManager(owner, ["q1"]);
      const REVOKE = `mutation($id: ID!) { revokeInvite(id: $id) { status } }`;
      const byOwner = async (role: string, locationIds: string[]) => (await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role, locationIds } }, owner.accessToken)).data.inviteStaff.id as string;
      const otherManager = await byOwner("MANAGER", ["q1"]);
      const staffElsewhere = await byOwner("STAFF", ["q7"]);
      const staffHere = await byOwner("STAFF", ["q1"]);
      expect((await h.graphql(REVOKE, { id: otherManager }, token)).errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "role" });
      expect((await h.graphql(REVOKE, { id: staffElsewhere }, token)).errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "locations" });
      expect((await h.graphql(REVOKE, { id: staffHere }, token)).data.revokeInvite).toEqual({ status: "REVOKED" });
    });

    it("hides a tenant from non-members and refuses staff the staff list", async () => {
      const owner = await ownerWithTenant();
      const stranger = await h.signIn(randomPhone());
      expect((await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "STAFF" } }, stranger.accessToken)).errors?.[0]?.extensions?.code).toBe("TENANT_NOT_FOUND");
      const { code } = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF" } }, owner.accessToken)).data.createJoinCode;
      const staff = await h.signIn(randomPhone());
      const token = (await h.graphql(JOIN, { c: code }, staff.accessToken)).data.joinWithCode.accessToken;
      const list = await h.graphql(`query($s: String!) { tenant(slug: $s) { staff { phone } } }`, { s: owner.slug }, token);
      expect(list.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    });

    it("lets the owner change a member's role and remove them, but not themselves", async () => {
      const owner = await ownerWithTenant();
      const { code } = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF" } }, owner.accessToken)).data.createJoinCode;
      const staff = await h.signIn(randomPhone());
      await h.graphql(JOIN, { c: code }, staff.accessToken);
      const changed = await h.graphql(`mutation($s: String!, $u: ID!) { changeStaffRole(tenantSlug: $s, userId: $u, role: MANAGER, locationIds: ["q1"]) { membership { role locationIds } } }`, { s: owner.slug, u: staff.user.id }, owner.accessToken);
      expect(changed.data.changeStaffRole.membership).toEqual({ role: "MANAGER", locationIds: ["q1"] });
      const selfRemoval = await h.graphql(`mutation($s: String!, $u: ID!) { removeStaff(tenantSlug: $s, userId: $u) }`, { s: owner.slug, u: owner.user.id }, owner.accessToken);
      expect(selfRemoval.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await h.graphql(`mutation($s: String!, $u: ID!) { removeStaff(tenantSlug: $s, userId: $u) }`, { s: owner.slug, u: staff.user.id }, owner.accessToken)).data.removeStaff).toBe(true);
      const refreshed = await h.post("/auth/refresh", { refreshToken: staff.refreshToken });
      expect(decodeJwt(refreshed.body.accessToken).memberships).toEqual([]);
    });

    it("stops the join codes and invites a manager made when the manager is removed", async () => {
      const owner = await ownerWithTenant();
      const { manager, token } = await invitedManager(owner, ["q1"]);
      const { code } = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, label: "before leaving", role: "STAFF", locationIds: ["q1"] } }, token)).data.createJoinCode;
      const invited = await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "STAFF", locationIds: ["q1"] } }, token);
      expect(invited.errors).toBeUndefined();

      expect((await h.graphql(`mutation($s: String!, $u: ID!) { removeStaff(tenantSlug: $s, userId: $u) }`, { s: owner.slug, u: manager.user.id }, owner.accessToken)).data.removeStaff).toBe(true);
      // Coming back with the code they minted does not work; their pending invite is revoked.
      const rejoin = await h.graphql(JOIN, { c: code }, manager.accessToken);
      expect(rejoin.errors?.[0]?.extensions).toMatchObject({ code: "JOIN_CODE_INVALID" });
      const invites = (await h.graphql(`query($s: String!) { tenant(slug: $s) { invites { id status } } }`, { s: owner.slug }, owner.accessToken)).data.tenant.invites as { id: string; status: string }[];
      expect(invites.find((i) => i.id === invited.data.inviteStaff.id)?.status).toBe("REVOKED");
    });

    it("describes the roles", async () => {
      const roles = await h.graphql(`{ roles { role canGrant } }`);
      expect(roles.data.roles).toEqual([
        { role: "OWNER", canGrant: ["MANAGER", "STAFF"] },
        { role: "MANAGER", canGrant: ["STAFF"] },
        { role: "STAFF", canGrant: [] },
      ]);
    });
  });

  describe("Given a chain's join code", () => {
    it("joins staff with the code's role and locations; rotation kills the old code; revocation kills it all", async () => {
      const owner = await ownerWithTenant();
      const created = await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, label: "Quận 1 phục vụ", role: "STAFF", locationIds: ["q1"] } }, owner.accessToken);
      expect(created.errors).toBeUndefined();
      const { code, joinCode } = created.data.createJoinCode;
      expect(joinCode).toMatchObject({ role: "STAFF", hint: code.slice(-4), active: true, locationIds: ["q1"] });
      expect((await h.db.pool.query("SELECT code_hash FROM control_plane.join_codes WHERE id = $1", [joinCode.id])).rows[0].code_hash).not.toContain(code);

      const waiter = await h.signIn(randomPhone());
      expect((await h.graphql(JOIN, { c: code }, waiter.accessToken)).data.joinWithCode.membership).toEqual({ tenantSlug: owner.slug, role: "STAFF", locationIds: ["q1"] });

      const rotated = (await h.graphql(`mutation($id: ID!) { rotateJoinCode(id: $id) { code joinCode { id hint } } }`, { id: joinCode.id }, owner.accessToken)).data.rotateJoinCode;
      expect(rotated.joinCode.id).toBe(joinCode.id);
      expect(rotated.code).not.toBe(code);
      const cook = await h.signIn(randomPhone());
      expect((await h.graphql(JOIN, { c: code }, cook.accessToken)).errors?.[0]?.extensions?.code).toBe("JOIN_CODE_INVALID");
      expect((await h.graphql(JOIN, { c: rotated.code }, cook.accessToken)).data.joinWithCode.membership.role).toBe("STAFF");

      await h.graphql(`mutation($id: ID!) { revokeJoinCode(id: $id) { active } }`, { id: joinCode.id }, owner.accessToken);
      const late = await h.signIn(randomPhone());
      expect((await h.graphql(JOIN, { c: rotated.code }, late.accessToken)).errors?.[0]?.extensions?.code).toBe("JOIN_CODE_INVALID");
      const codes = await h.graphql(`query($s: String!) { tenant(slug: $s) { joinCodes { active label } } }`, { s: owner.slug }, owner.accessToken);
      expect(codes.data.tenant.joinCodes).toEqual([{ active: false, label: "Quận 1 phục vụ" }]);
    });

    it("never demotes an existing member who uses a join code", async () => {
      const owner = await ownerWithTenant();
      const { code } = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF" } }, owner.accessToken)).data.createJoinCode;
      const joined = await h.graphql(JOIN, { c: code }, owner.accessToken);
      expect(joined.data.joinWithCode.membership.role).toBe("OWNER");
    });
  });
});
