import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { provisionTenant } from "../provisioning/index.js";
import { createCellServer, type CellServer } from "../server/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { createTokenIssuer, ROUTER_SIGNING_KEY } from "../testing/identity.js";

const KEY = "platform-key-for-the-mounted-feed";
let db: TestCellDatabase;
let withFeed: CellServer;
let withoutFeed: CellServer;

beforeAll(async () => {
  db = await createTestCellDatabase("feed-mount");
  await provisionTenant(db.admin, db.cellName, { slug: "goi-cuon", displayName: "Gỏi cuốn", plan: "starter", owner: { phone: "+84907654321", name: "Chủ" }, locations: [{ name: "Quận 7" }, { name: "Quận 2" }] });
  const issuer = await createTokenIssuer();
  const base = { databaseUrl: db.roleUrl, schema: db.schema, routerSigningKey: ROUTER_SIGNING_KEY, keys: { jwks: issuer.jwks }, poolSize: 2, logLevel: "silent" };
  withFeed = createCellServer({ ...base, platformKey: KEY });
  withoutFeed = createCellServer(base);
  await Promise.all([withFeed.listen(0), withoutFeed.listen(0)]);
});

afterAll(async () => {
  await Promise.all([withFeed?.close(), withoutFeed?.close()]);
  await db?.drop();
});

describe("Given the cell server configured with a platform key", () => {
  it("serves the usage feed at /internal/ to the control plane", async () => {
    const res = await fetch(`${withFeed.url}/internal/gauges?tenant=goi-cuon`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ activeLocations: 2, staffSeats: 1 });
    expect((await fetch(`${withFeed.url}/internal/gauges?tenant=goi-cuon`)).status).toBe(401);
    expect((await fetch(`${withFeed.url}/internal/nothing-here`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(404);
  });

  it("has no feed at all without one", async () => {
    expect((await fetch(`${withoutFeed.url}/internal/gauges?tenant=goi-cuon`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(404);
  });
});
