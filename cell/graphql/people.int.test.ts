// Staff listing, locations by scope, and recommendations: who may see and decide what.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestCell, type Member, type TestCell } from "../testing/cell.js";

describe("Given a tenant with staff scoped to locations and pending recommendations", () => {
  let cell: TestCell;
  let hue: string;
  let hoian: string;
  let tenantId: string;
  const owner: Member = { tenant: "mi-quang", role: "owner" };
  let hueManager: Member;
  let hueStaff: Member;

  beforeAll(async () => {
    cell = await startTestCell("people");
    const t = await cell.provision({ slug: "mi-quang", locations: [{ name: "Huế" }, { name: "Hội An" }] });
    tenantId = t.tenantId;
    hue = t.locations.find((l) => l.name === "Huế")!.id;
    hoian = t.locations.find((l) => l.name === "Hội An")!.id;
    hueManager = { tenant: "mi-quang", role: "manager", locations: [hue] };
    hueStaff = { tenant: "mi-quang", role: "staff", locations: [hue] };
    const s = cell.db.schema;
    await cell.db.admin.query(
      `insert into ${s}.staff_members (tenant_id, phone, name, role, location_ids) values ($1, '+84903000001', 'Lan', 'manager', array[$2::uuid]), ($1, '+84903000002', 'Minh', 'staff', array[$2::uuid]), ($1, '+84903000003', 'Tú', 'staff', array[$3::uuid])`,
      [tenantId, hue, hoian],
    );
    await cell.db.admin.query(
      `insert into ${s}.recommendations (tenant_id, location_id, kind, title, payload) values ($1, $2, 'prep', 'Prep more bún', '{"extra": 20}'), ($1, $3, 'pricing', 'Raise cao lầu', '{}'), ($1, null, 'menu', 'Add cà phê muối', '{}')`,
      [tenantId, hue, hoian],
    );
    await cell.provision({ slug: "other" });
  });
  afterAll(() => cell.close());

  type Staff = { staff: { name: string; role: string; allLocations: boolean }[] };
  const STAFF = "{ staff { name role allLocations } }";

  it("lists all staff to the owner", async () => {
    const { staff } = await cell.ok<Staff>(owner, STAFF);
    expect(staff.map((s) => s.name).sort()).toEqual(["Lan", "Minh", "Owner", "Tú"]);
  });

  it("lists a scoped manager only the staff of their locations (and those with all locations)", async () => {
    const { staff } = await cell.ok<Staff>(hueManager, STAFF);
    expect(staff.map((s) => s.name).sort()).toEqual(["Lan", "Minh", "Owner"]);
  });

  it("refuses the staff list to staff", async () => {
    const r = await cell.gql(hueStaff, STAFF);
    expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("lists only the caller's locations, and tells them who they are", async () => {
    const data = await cell.ok<{ locations: { name: string }[]; me: { role: string; locationIds: string[] | null } }>(hueStaff, "{ locations { name } me { role locationIds } }");
    expect(data).toEqual({ locations: [{ name: "Huế" }], me: { role: "STAFF", locationIds: [hue] } });
    const all = await cell.ok<{ locations: { name: string }[]; me: { locationIds: null } }>(owner, "{ locations { name } me { locationIds } }");
    expect(all.locations.map((l) => l.name).sort()).toEqual(["Hội An", "Huế"].sort());
    expect(all.me.locationIds).toBeNull();
  });

  type Recs = { recommendations: { id: string; title: string; status: string; payload: string; location: { name: string } | null }[] };
  const RECS = "query($status: RecommendationStatus) { recommendations(status: $status) { id title status payload location { name } } }";

  it("shows recommendations of the caller's locations and tenant-wide ones", async () => {
    const mine = await cell.ok<Recs>(hueManager, RECS, { status: "PENDING" });
    expect(mine.recommendations.map((r) => r.title).sort()).toEqual(["Add cà phê muối", "Prep more bún"]);
    expect(mine.recommendations.find((r) => r.title === "Prep more bún")).toMatchObject({ payload: '{"extra":20}', location: { name: "Huế" } });
    const everything = await cell.ok<Recs>(owner, RECS);
    expect(everything.recommendations).toHaveLength(3);
    const r = await cell.gql(hueStaff, RECS);
    expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("lets a manager approve or dismiss once, with an audit entry and an outbox event", async () => {
    const { recommendations } = await cell.ok<Recs>(owner, RECS);
    const prep = recommendations.find((r) => r.title === "Prep more bún")!;
    const decided = await cell.ok<{ decideRecommendation: { status: string } }>(hueManager, "mutation($id: ID!) { decideRecommendation(id: $id, decision: APPROVED) { status } }", { id: prep.id });
    expect(decided.decideRecommendation.status).toBe("APPROVED");
    const again = await cell.gql(hueManager, "mutation($id: ID!) { decideRecommendation(id: $id, decision: DISMISSED) { status } }", { id: prep.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
    const s = cell.db.schema;
    expect((await cell.db.admin.query(`select action from ${s}.audit_log where entity_id = $1`, [prep.id])).rows).toEqual([{ action: "recommendation.approved" }]);
    expect((await cell.db.admin.query(`select topic from ${s}.outbox where key = $1`, [prep.id])).rows).toEqual([{ topic: "recommendation.decided" }]);
  });

  it("does not overwrite a decision another manager committed while this one waited", async () => {
    const { recommendations } = await cell.ok<Recs>(owner, RECS);
    const muoi = recommendations.find((r) => r.title === "Add cà phê muối")!;
    const s = cell.db.schema;
    // Another manager's decision, written and not yet committed: it holds the row.
    await cell.db.admin.query("begin");
    await cell.db.admin.query(`update ${s}.recommendations set status = 'approved', decided_at = now() where id = $1`, [muoi.id]);
    const waiting = cell.gql(owner, "mutation($id: ID!) { decideRecommendation(id: $id, decision: DISMISSED) { status } }", { id: muoi.id });
    await new Promise((r) => setTimeout(r, 300));
    await cell.db.admin.query("commit");
    expect((await waiting).errors?.[0]).toMatchObject({ message: expect.stringMatching(/already approved/), extensions: { code: "BAD_USER_INPUT", field: "id" } });
    expect((await cell.db.admin.query(`select status from ${s}.recommendations where id = $1`, [muoi.id])).rows).toEqual([{ status: "approved" }]);
    expect((await cell.db.admin.query(`select count(*)::int as n from ${s}.audit_log where entity_id = $1`, [muoi.id])).rows).toEqual([{ n: 0 }]);
  });

  it("refuses decisions outside the manager's locations, by staff, and across tenants", async () => {
    const { recommendations } = await cell.ok<Recs>(owner, RECS);
    const hoianRec = recommendations.find((r) => r.title === "Raise cao lầu")!;
    const decide = "mutation($id: ID!) { decideRecommendation(id: $id, decision: DISMISSED) { status } }";
    expect((await cell.gql(hueManager, decide, { id: hoianRec.id })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await cell.gql(hueStaff, decide, { id: hoianRec.id })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await cell.gql({ tenant: "other", role: "owner" }, decide, { id: hoianRec.id })).errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "id" });
    expect((await cell.ok<Recs>({ tenant: "other", role: "owner" }, RECS)).recommendations).toEqual([]);
    expect((await cell.ok<Staff>({ tenant: "other", role: "owner" }, STAFF)).staff.map((s) => s.name)).toEqual(["Owner"]);
  });

  it("hides another tenant's location by id even from its owner role", async () => {
    const r = await cell.gql({ tenant: "other", role: "owner" }, "query($id: ID!) { location(id: $id) { name todayRevenue } }", { id: hue });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "id" });
  });
});
