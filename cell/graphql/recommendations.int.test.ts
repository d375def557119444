// refreshRecommendations through the API: without an ML pod the client's rule-based fallback
// answers (a menu without food costs gets "enter your costs"), at most once a minute per location.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestCell, type Member, type TestCell } from "../testing/cell.js";

const REFRESH = "mutation($l: ID!) { refreshRecommendations(locationId: $l) { id kind status } }";
type Refreshed = { refreshRecommendations: { id: string; kind: string; status: string }[] };

describe("Given a tenant with two locations and a menu without food costs", () => {
  let cell: TestCell;
  let first: string;
  let second: string;
  const owner: Member = { tenant: "bun-bo", role: "owner" };

  beforeAll(async () => {
    cell = await startTestCell("recs");
    const t = await cell.provision({ slug: "bun-bo", locations: [{ name: "Huế" }, { name: "Đà Nẵng" }] });
    [first, second] = t.locations.map((l) => l.id) as [string, string];
    const { createMenuCategory: c } = await cell.ok<{ createMenuCategory: { id: string } }>(owner, `mutation { createMenuCategory(input: { name: "Bún" }) { id } }`);
    await cell.ok(owner, "mutation($i: MenuItemInput!) { createMenuItem(input: $i) { id } }", { i: { categoryId: c.id, name: "Bún bò Huế", priceVnd: 50_000 } });
  });
  afterAll(() => cell.close());

  it("refreshes a location at most once a minute, answering a repeat from the recorded advice", async () => {
    const refreshed = await cell.ok<Refreshed>(owner, REFRESH, { l: first });
    expect(refreshed.refreshRecommendations).toEqual([expect.objectContaining({ kind: "menu_missing_costs", status: "PENDING" })]);
    // Gone from the table: a real refresh would record the same advice again.
    await cell.db.admin.query(`delete from ${cell.db.schema}.recommendations where location_id = $1`, [first]);
    const repeat = await cell.ok<Refreshed>(owner, REFRESH, { l: first });
    expect(repeat.refreshRecommendations).toEqual([]);
    const other = await cell.ok<Refreshed>(owner, REFRESH, { l: second });
    expect(other.refreshRecommendations).toEqual([expect.objectContaining({ kind: "menu_missing_costs" })]);
  });
});
