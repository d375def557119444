import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { provisionTenant } from "../provisioning/index.js";
import { createCellServer, type CellServer } from "../server/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "../testing/database.js";
import { createTokenIssuer, ROUTER_SIGNING_KEY } from "../testing/identity.js";

const KEY = "platform-key-for-the-mounted-feed";
const PREVIOUS_KEY = "previous-platform-key-of-the-mounted-feed";
let db: TestCellDatabase;
let withFeed: CellServer;
let withoutFeed: CellServer;
let rotating: CellServer;

beforeAll(async () => {
  db = await createTestCellDatabase("feed-mount");
  await provisionTenant(db.admin, db.cellName, { slug: "goi-cuon", displayName: "Gỏi cuốn", plan: "starter", owner: { phone: "+84907654321", name: "Chủ" }, locations: [{ name: "Quận 7" }, { name: "Quận 2" }] });
  const issuer = await createTokenIssuer();
  const base = { databaseUrl: db.roleUrl, schema: db.schema, routerSigningKey: ROUTER_SIGNING_KEY, keys: { jwks: issuer.jwks }, poolSize: 2, logLevel: "silent" };
  withFeed = createCellServer({ ...base, platformKey: KEY });
  withoutFeed = createCellServer(base);
  rotating = createCellServer({ ...base, platformKey: KEY, platformKeyPrevious: PREVIOUS_KEY });
  await Promise.all([withFeed.listen(0), withoutFeed.listen(0), rotating.listen(0)]);
});

afterAll(async () => {
  await Promise.all([withFeed?.close(), withoutFeed?.close(), rotating?.close()]);
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

describe("Given a platform key rotation", () => {
  const gauges = (server: CellServer, key: string) => fetch(`${server.url}/internal/gauges?tenant=goi-cuon`, { headers: { authorization: `Bearer ${key}` } });

  it("serves the feed to the previous key as well as the current one only when the previous key is configured", async () => {
    expect((await gauges(rotating, KEY)).status).toBe(200);
    const previous = await gauges(rotating, PREVIOUS_KEY);
    expect(previous.status).toBe(200);
    expect(await previous.json()).toMatchObject({ activeLocations: 2 });
    expect((await gauges(rotating, "neither-the-current-nor-the-previous-key")).status).toBe(401);
    expect((await fetch(`${rotating.url}/internal/gauges?tenant=goi-cuon`)).status).toBe(401);
    // Only the current key configured: the previous one is refused.
    expect((await gauges(withFeed, PREVIOUS_KEY)).status).toBe(401);
  });

  it("refuses a previous key without a current one", () => {
    expect(() => createCellServer({ databaseUrl: db.roleUrl, schema: db.schema, routerSigningKey: ROUTER_SIGNING_KEY, keys: { jwks: { keys: [] } }, platformKeyPrevious: PREVIOUS_KEY })).toThrow(/platformKeyPrevious is set without platformKey/);
  });
});
