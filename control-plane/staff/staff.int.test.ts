import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { decodeJwt } from "jose";
import type { Pool, PoolClient } from "pg";
import { randomPhone } from "../testing/databases.js";
import type { ControlPlaneConfig } from "../server.js";
import { startHarness, type Harness } from "../testing/harness.js";
import type { ControlPlaneError } from "../identity/errors.js";
import { MemoryState } from "../identity/memory-state.js";
import type { SmsProvider } from "../identity/sms.js";
import type { User } from "../identity/users.js";
import { legacyHashCode, newJoinCode } from "./codes.js";
import { Staff, type StaffLimits } from "./staff.js";

const PEPPER = "harness-pepper-0123456789";

/** A gateway that takes every message, for Staff services the tests build themselves (the codes are not needed). */
const acceptingSms: SmsProvider = { name: "accepting", send: async () => {} };

/** A promise the test resolves when it chooses, and one that resolves when code reaches a point. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  return { opened: new Promise<void>((resolve) => (open = resolve)), open };
}

/**
 * `pool`, with `before` run (and awaited) ahead of each statement matching `pattern`, on the pool
 * or on a client taken from it: a way to hold a grant's write open, or fail it, at a chosen point.
 */
function hookedPool(pool: Pool, pattern: RegExp, before: () => Promise<void>): Pool {
  const hook = <T extends Pool | PoolClient>(target: T): T =>
    new Proxy(target, {
      get(t, key) {
        if (key === "query") {
          return async (...args: unknown[]) => {
            const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string }).text;
            if (text && pattern.test(text)) await before();
            return (t.query as (...a: unknown[]) => unknown).apply(t, args);
          };
        }
        if (key === "connect" && t === (pool as unknown)) return async () => hook(await pool.connect());
        const value = Reflect.get(t, key, t) as unknown;
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
  return hook(pool);
}

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

  describe("Given a tenant whose invites and join codes pile up", () => {
    it("lists the newest invites first, only pending ones when asked, at most `first`, and names a bad `first`", async () => {
      const owner = await ownerWithTenant();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "STAFF", locationIds: ["loc-1"] } }, owner.accessToken)).data.inviteStaff.id);
      await h.graphql(`mutation($id: ID!) { revokeInvite(id: $id) { status } }`, { id: ids[2] }, owner.accessToken);
      const list = async (args: string) => h.graphql(`query($s: String!) { tenant(slug: $s) { invites${args} { id status } } }`, { s: owner.slug }, owner.accessToken);
      expect((await list("")).data.tenant.invites.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect((await list("(pending: true)")).data.tenant.invites.map((i: { id: string }) => i.id)).toEqual([ids[1], ids[0]]);
      expect((await list("(first: 1)")).data.tenant.invites.map((i: { id: string }) => i.id)).toEqual([ids[2]]);
      for (const first of [0, 501]) expect((await list(`(first: ${first})`)).errors?.[0]?.extensions).toMatchObject({ code: "BAD_REQUEST", field: "first" });
    });
  });

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

  const REMOVE = `mutation($s: String!, $u: ID!) { removeStaff(tenantSlug: $s, userId: $u) }`;
  const ROTATE = `mutation($id: ID!) { rotateJoinCode(id: $id) { code joinCode { id } } }`;
  const DEMOTE = `mutation($s: String!, $u: ID!) { changeStaffRole(tenantSlug: $s, userId: $u, role: STAFF, locationIds: ["q1"]) { membership { role } } }`;
  const asUser = (session: { user: { id: string; phone: string } }) => ({ id: session.user.id, phone: session.user.phone }) as User;
  const staffService = (limits: Partial<StaffLimits> = {}, pool: Pool = h.db.pool, sms: SmsProvider = acceptingSms) => new Staff(pool, new MemoryState(), sms, PEPPER, "", limits);
  const invitesTo = async (slug: string, phone: string) =>
    (await h.db.pool.query<{ id: string; live: boolean }>("SELECT id, revoked_at IS NULL AND accepted_at IS NULL AS live FROM control_plane.invites WHERE tenant_slug = $1 AND phone = $2 ORDER BY created_at", [slug, phone])).rows;

  /** Resolves once `work` has settled or some statement in the test database waits on a lock (e.g. behind a grant being written). */
  async function settledOrBlocked(work: Promise<unknown>): Promise<void> {
    let settled = false;
    void work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 500 && !settled; i++) {
      const { rowCount } = await h.db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      if (rowCount) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Runs `write` through a pool that pauses at `pattern`; at the pause runs `meanwhile` (a removal or demotion), then lets the write go on. */
  async function interleave<T>(pattern: RegExp, write: (staff: Staff) => Promise<T>, meanwhile: () => Promise<unknown>): Promise<PromiseSettledResult<T>> {
    const reached = gate();
    const release = gate();
    const staff = staffService({}, hookedPool(h.db.pool, pattern, async () => {
      reached.open();
      await release.opened;
    }));
    const writing = write(staff);
    await Promise.race([reached.opened, writing.catch(() => {})]);
    const other = meanwhile();
    await settledOrBlocked(other);
    release.open();
    const [result] = await Promise.allSettled([writing, other]);
    return result;
  }

  async function secondTenant(owner: { accessToken: string }) {
    const slug = `chain-${Date.now().toString(36)}-${++n}`;
    const r = await h.graphql(`mutation($i: SignupTenantInput!) { signupTenant(input: $i) { accessToken } }`, { i: { slug, displayName: "Chuỗi Bún", ownerName: "Chủ" } }, owner.accessToken);
    return { accessToken: r.data.signupTenant.accessToken as string, slug };
  }

  describe("Given a member who leaves or is demoted", () => {
    it("stops a join code the manager rotated, though the owner made it, when the manager is removed", async () => {
      const owner = await ownerWithTenant();
      const { manager, token } = await invitedManager(owner, ["q1"]);
      const made = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, label: "wall", role: "STAFF", locationIds: ["q1"] } }, owner.accessToken)).data.createJoinCode;
      const rotated = (await h.graphql(ROTATE, { id: made.joinCode.id }, token)).data.rotateJoinCode;

      expect((await h.graphql(REMOVE, { s: owner.slug, u: manager.user.id }, owner.accessToken)).data.removeStaff).toBe(true);
      expect((await h.graphql(JOIN, { c: rotated.code }, manager.accessToken)).errors?.[0]?.extensions).toMatchObject({ code: "JOIN_CODE_INVALID" });
    });

    it("stops a join code the manager rotated when the manager is demoted", async () => {
      const owner = await ownerWithTenant();
      const { manager, token } = await invitedManager(owner, ["q1"]);
      const made = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF", locationIds: ["q1"] } }, owner.accessToken)).data.createJoinCode;
      const rotated = (await h.graphql(ROTATE, { id: made.joinCode.id }, token)).data.rotateJoinCode;

      expect((await h.graphql(DEMOTE, { s: owner.slug, u: manager.user.id }, owner.accessToken)).data.changeStaffRole.membership).toEqual({ role: "STAFF" });
      const friend = await h.signIn(randomPhone());
      expect((await h.graphql(JOIN, { c: rotated.code }, friend.accessToken)).errors?.[0]?.extensions).toMatchObject({ code: "JOIN_CODE_INVALID" });
    });

    it("revokes pending invites to the member's phone when the member is removed, so they cannot come back with one", async () => {
      const owner = await ownerWithTenant();
      const phone = randomPhone();
      await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone, role: "MANAGER" } }, owner.accessToken);
      const managerInvite = inviteCode(await h.lastSms(phone))!;
      // Joined by a join code instead, so the invite was never accepted.
      const { code } = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF", locationIds: ["q1"] } }, owner.accessToken)).data.createJoinCode;
      const member = await h.signIn(phone);
      await h.graphql(JOIN, { c: code }, member.accessToken);
      // The invite a member no longer needs, made while they were one (as a race could before).
      await h.db.pool.query("UPDATE control_plane.invites SET revoked_at = NULL WHERE tenant_slug = $1 AND phone = $2", [owner.slug, phone]);

      expect((await h.graphql(REMOVE, { s: owner.slug, u: member.user.id }, owner.accessToken)).data.removeStaff).toBe(true);
      expect((await h.graphql(ACCEPT, { c: managerInvite }, member.accessToken)).errors?.[0]?.extensions).toMatchObject({ code: "INVITE_INVALID" });
      expect(await invitesTo(owner.slug, phone)).toEqual([expect.objectContaining({ live: false })]);
    });

    it("ends a phone's other pending invites to the tenant when it joins with a code or accepts an invite", async () => {
      const owner = await ownerWithTenant();
      const byCode = randomPhone();
      await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: byCode, role: "MANAGER" } }, owner.accessToken);
      const { code } = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF", locationIds: ["q1"] } }, owner.accessToken)).data.createJoinCode;
      await h.graphql(JOIN, { c: code }, (await h.signIn(byCode)).accessToken);
      expect(await invitesTo(owner.slug, byCode)).toEqual([expect.objectContaining({ live: false })]);

      // Two pending invites to one phone (left by the old race): accepting one ends the other.
      const byInvite = randomPhone();
      await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: byInvite, role: "MANAGER" } }, owner.accessToken);
      await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: byInvite, role: "STAFF", locationIds: ["q1"] } }, owner.accessToken);
      const staffCode = inviteCode(await h.lastSms(byInvite))!;
      await h.db.pool.query("UPDATE control_plane.invites SET revoked_at = NULL, superseded_by = NULL WHERE tenant_slug = $1 AND phone = $2", [owner.slug, byInvite]);
      expect((await h.graphql(ACCEPT, { c: staffCode }, (await h.signIn(byInvite)).accessToken)).errors).toBeUndefined();
      expect((await invitesTo(owner.slug, byInvite)).filter((i) => i.live)).toEqual([]);
    });

    it("does not restore, when a re-invite's SMS fails, an invite that the inviter's removal ended meanwhile", async () => {
      const owner = await ownerWithTenant();
      const { manager, token } = await invitedManager(owner, ["q1"]);
      const phone = randomPhone();
      await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone, role: "STAFF", locationIds: ["q1"] } }, token);
      const managersCode = inviteCode(await h.lastSms(phone))!;

      const inSms = gate();
      const failSms = gate();
      const slowThenDown: SmsProvider = {
        name: "slow-then-down",
        send: async () => {
          inSms.open();
          await failSms.opened;
          throw new Error("gateway timeout");
        },
      };
      const reinvite = staffService({}, h.db.pool, slowThenDown).invite(asUser(owner), { tenant: owner.slug, phone, role: "staff", locations: ["q1"] });
      await inSms.opened;
      expect((await h.graphql(REMOVE, { s: owner.slug, u: manager.user.id }, owner.accessToken)).data.removeStaff).toBe(true);
      failSms.open();
      await expect(reinvite).rejects.toMatchObject({ code: "SMS_UNAVAILABLE" });

      expect((await invitesTo(owner.slug, phone)).filter((i) => i.live)).toEqual([]);
      expect((await h.graphql(ACCEPT, { c: managersCode }, (await h.signIn(phone)).accessToken)).errors?.[0]?.extensions).toMatchObject({ code: "INVITE_INVALID" });
    });
  });

  describe("Given a grant written while its author is removed or demoted", () => {
    it("leaves no working invite from a manager removed while the invite was being written", async () => {
      const owner = await ownerWithTenant();
      const { manager } = await invitedManager(owner, ["q1"]);
      const result = await interleave(
        /INSERT INTO control_plane\.invites/,
        (staff) => staff.invite(asUser(manager), { tenant: owner.slug, phone: randomPhone(), role: "staff", locations: ["q1"] }),
        () => h.graphql(REMOVE, { s: owner.slug, u: manager.user.id }, owner.accessToken),
      );
      const live = await h.db.pool.query("SELECT 1 FROM control_plane.invites WHERE invited_by = $1 AND revoked_at IS NULL AND accepted_at IS NULL", [manager.user.id]);
      expect(live.rowCount).toBe(0);
      // Either order is fine: refused after the removal, or written first and then revoked by it.
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "TENANT_NOT_FOUND" });
    });

    it("leaves no working join code from a manager demoted while the code was being written", async () => {
      const owner = await ownerWithTenant();
      const { manager } = await invitedManager(owner, ["q1"]);
      const result = await interleave(
        /INSERT INTO control_plane\.join_codes/,
        (staff) => staff.createJoinCode(asUser(manager), { tenant: owner.slug, role: "staff", locations: ["q1"] }),
        () => h.graphql(DEMOTE, { s: owner.slug, u: manager.user.id }, owner.accessToken),
      );
      if (result.status === "fulfilled") {
        const friend = await h.signIn(randomPhone());
        expect((await h.graphql(JOIN, { c: result.value.code }, friend.accessToken)).errors?.[0]?.extensions).toMatchObject({ code: "JOIN_CODE_INVALID" });
      } else {
        expect(result.reason).toMatchObject({ code: "FORBIDDEN" });
      }
    });

    it("leaves no working code from a manager removed while rotating the owner's code", async () => {
      const owner = await ownerWithTenant();
      const { manager } = await invitedManager(owner, ["q1"]);
      const made = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF", locationIds: ["q1"] } }, owner.accessToken)).data.createJoinCode;
      const result = await interleave(
        /UPDATE control_plane\.join_codes SET code_hash/,
        (staff) => staff.rotateJoinCode(asUser(manager), made.joinCode.id),
        () => h.graphql(REMOVE, { s: owner.slug, u: manager.user.id }, owner.accessToken),
      );
      if (result.status === "fulfilled") {
        expect((await h.graphql(JOIN, { c: result.value.code }, manager.accessToken)).errors?.[0]?.extensions).toMatchObject({ code: "JOIN_CODE_INVALID" });
      } else {
        expect(result.reason).toMatchObject({ code: "TENANT_NOT_FOUND" });
      }
    });

    it("keeps the member when their grants cannot be revoked, so the removal is all or nothing", async () => {
      const owner = await ownerWithTenant();
      const { manager, token } = await invitedManager(owner, ["q1"]);
      const { code } = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF", locationIds: ["q1"] } }, token)).data.createJoinCode;
      const failing = staffService({}, hookedPool(h.db.pool, /UPDATE control_plane\.join_codes SET revoked_at/, () => Promise.reject(new Error("connection lost"))));

      await expect(failing.remove(asUser(owner), owner.slug, manager.user.id)).rejects.toThrow("connection lost");
      const still = await h.db.pool.query("SELECT role FROM control_plane.memberships WHERE user_id = $1 AND tenant_slug = $2", [manager.user.id, owner.slug]);
      expect(still.rows).toEqual([{ role: "manager" }]);
      // Retried, it takes the member and the code together.
      await staffService().remove(asUser(owner), owner.slug, manager.user.id);
      expect((await h.graphql(JOIN, { c: code }, manager.accessToken)).errors?.[0]?.extensions).toMatchObject({ code: "JOIN_CODE_INVALID" });
    });
  });

  describe("Given invites sent in bulk (each an SMS)", () => {
    it("caps invites to one phone at 5 a day, however the hours are spread", async () => {
      const owner = await ownerWithTenant();
      const staff = staffService({ invitePerPhone: { points: 100, durationSeconds: 3_600 } });
      const phone = randomPhone();
      for (let i = 0; i < 5; i++) await staff.invite(asUser(owner), { tenant: owner.slug, phone, role: "staff" });
      const sixth = await staff.invite(asUser(owner), { tenant: owner.slug, phone, role: "staff" }).catch((error: ControlPlaneError) => error);
      expect(sixth).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/too many invites to \+84\d+ today/) });
      // Beyond the hourly window: waiting an hour does not help.
      expect((sixth as ControlPlaneError).details.retryAfterSeconds).toBeGreaterThan(3_600);
    });

    it("caps one inviter across all their tenants at 60 an hour", async () => {
      const owner = await ownerWithTenant();
      const other = await secondTenant(owner);
      for (let i = 0; i < 60; i++) {
        const [slug, token] = i % 2 ? [owner.slug, owner.accessToken] : [other.slug, other.accessToken];
        expect((await h.graphql(INVITE, { i: { tenantSlug: slug, phone: randomPhone(), role: "STAFF" } }, token)).errors).toBeUndefined();
      }
      const refused = await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "STAFF" } }, other.accessToken);
      expect(refused.errors?.[0]).toMatchObject({ message: expect.stringMatching(/you have sent too many invites/), extensions: { code: "RATE_LIMITED" } });
    });

    it("caps one inviter at 200 invites a day", async () => {
      const owner = await ownerWithTenant();
      const staff = staffService({ invitePerInviter: { points: 1_000, durationSeconds: 3_600 }, invitePerTenant: { points: 1_000, durationSeconds: 3_600 } });
      for (let i = 0; i < 200; i++) await staff.invite(asUser(owner), { tenant: owner.slug, phone: randomPhone(), role: "staff" });
      await expect(staff.invite(asUser(owner), { tenant: owner.slug, phone: randomPhone(), role: "staff" })).rejects.toMatchObject({
        code: "RATE_LIMITED",
        message: expect.stringMatching(/you have sent too many invites today/),
      });
    });

    it("leaves exactly one working invite when a second invite to the phone is written while the first commits", async () => {
      const owner = await ownerWithTenant();
      const phone = randomPhone();
      const invite = (staff: Staff) => staff.invite(asUser(owner), { tenant: owner.slug, phone, role: "staff" });
      const first = await interleave(/^COMMIT$/, invite, () => invite(staffService()));
      expect(first.status).toBe("fulfilled");
      expect((await invitesTo(owner.slug, phone)).filter((i) => i.live)).toHaveLength(1);
    });
  });

  describe("Given join codes in bulk and oversized scopes", () => {
    it("caps join codes made or rotated at 30 an hour per tenant", async () => {
      const owner = await ownerWithTenant();
      const first = (await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF" } }, owner.accessToken)).data.createJoinCode;
      for (let i = 0; i < 28; i++) expect((await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF" } }, owner.accessToken)).errors).toBeUndefined();
      expect((await h.graphql(ROTATE, { id: first.joinCode.id }, owner.accessToken)).errors).toBeUndefined();
      const refused = await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF" } }, owner.accessToken);
      expect(refused.errors?.[0]).toMatchObject({ message: expect.stringMatching(/too many join codes/), extensions: { code: "RATE_LIMITED" } });
      expect((await h.graphql(ROTATE, { id: first.joinCode.id }, owner.accessToken)).errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    });

    it("refuses more than 200 locations, or a location id over 64 characters, naming the field", async () => {
      const owner = await ownerWithTenant();
      const many = Array.from({ length: 201 }, (_, i) => `q${i}`);
      const long = ["x".repeat(65)];
      const tooMany = await h.graphql(INVITE, { i: { tenantSlug: owner.slug, phone: randomPhone(), role: "STAFF", locationIds: many } }, owner.accessToken);
      expect(tooMany.errors?.[0]).toMatchObject({ message: expect.stringMatching(/at most 200 locations/), extensions: { code: "BAD_REQUEST", field: "locations" } });
      const tooLong = await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF", locationIds: long } }, owner.accessToken);
      expect(tooLong.errors?.[0]).toMatchObject({ message: expect.stringMatching(/at most 64 characters/), extensions: { code: "BAD_REQUEST", field: "locations.0" } });
      const atTheCap = await h.graphql(CREATE_CODE, { i: { tenantSlug: owner.slug, role: "STAFF", locationIds: many.slice(0, 200).map((l) => l.padEnd(64, "x")) } }, owner.accessToken);
      expect(atTheCap.errors).toBeUndefined();
    });
  });

  describe("Given a join code stored before codes were keyed by the pepper", () => {
    it("no longer accepts it: join codes never lapse, so an unkeyed hash would stay searchable for good", async () => {
      const owner = await ownerWithTenant();
      const code = newJoinCode();
      await h.db.pool.query(
        "INSERT INTO control_plane.join_codes (tenant_slug, role, code_hash, code_hint, created_by) VALUES ($1, 'staff', $2, $3, $4)",
        [owner.slug, legacyHashCode(code), code.slice(-4), owner.user.id],
      );
      const waiter = await h.signIn(randomPhone());
      expect((await h.graphql(JOIN, { c: code }, waiter.accessToken)).errors?.[0]?.extensions).toMatchObject({ code: "JOIN_CODE_INVALID" });
    });
  });
});
