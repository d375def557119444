// The billing sync holds the platform's master key; each cell was given its own key, derived from
// the master for the cell's endpoint (common/cell-keys.ts). The client presents that key.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { deriveCellKey } from "../../common/cell-keys.js";
import { CellFeedRequestError, httpCellFeed } from "./feed-client.js";

const MASTER = "platform-master-key-for-feed-client-tests";

interface Cell {
  server: Server;
  baseUrl: string;
  seen: IncomingHttpHeaders[];
}

/** A stand-in cell that answers gauges to the bearer `accepts(baseUrl)` and 401 to anything else. */
async function startCell(accepts: (baseUrl: string) => string): Promise<Cell> {
  const seen: IncomingHttpHeaders[] = [];
  let key = "";
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const ok = req.headers.authorization === `Bearer ${key}`;
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? { activeLocations: 1, staffSeats: 2, at: "2026-11-21T00:00:00.000Z" } : { error: { code: "UNAUTHENTICATED", message: "a valid platform key is required" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  key = accepts(baseUrl);
  return { server, baseUrl, seen };
}

let derived: Cell;
let other: Cell;
let master: Cell;

beforeAll(async () => {
  [derived, other, master] = await Promise.all([startCell((url) => deriveCellKey(MASTER, "platform", url)), startCell((url) => deriveCellKey(MASTER, "platform", url)), startCell(() => MASTER)]);
});

afterAll(async () => {
  await Promise.all([derived, other, master].map((c) => new Promise((resolve) => c?.server.close(resolve))));
});

describe("Given the platform's master key and cells configured with their derived keys", () => {
  it("presents each cell the key derived for its endpoint, and the cell reads it", async () => {
    const feed = httpCellFeed({ cell: "cell-a", baseUrl: derived.baseUrl, platformKey: MASTER, timeoutMs: 2_000 });
    await expect(feed.gauges("pho-24")).resolves.toMatchObject({ activeLocations: 1, staffSeats: 2 });
    await feed.gauges("pho-24");
    expect(derived.seen.map((h) => h.authorization)).toEqual(Array(2).fill(`Bearer ${deriveCellKey(MASTER, "platform", derived.baseUrl)}`));
  });

  it("presents another cell another key, and never the master", async () => {
    const feed = httpCellFeed({ cell: "cell-b", baseUrl: `${other.baseUrl}/`, platformKey: MASTER, timeoutMs: 2_000 });
    await expect(feed.gauges("bun-cha")).resolves.toMatchObject({ activeLocations: 1 });
    const sent = other.seen.at(-1)!.authorization;
    expect(sent).toBe(`Bearer ${deriveCellKey(MASTER, "platform", other.baseUrl)}`);
    expect(sent).not.toBe(derived.seen.at(-1)!.authorization);
    for (const h of [...derived.seen, ...other.seen]) expect(h.authorization).not.toContain(MASTER);
  });

  it("is refused by a cell still configured with the master key, which it does not send", async () => {
    const feed = httpCellFeed({ cell: "cell-old", baseUrl: master.baseUrl, platformKey: MASTER, timeoutMs: 2_000 });
    const refusal = await feed.gauges("com-tam").catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(CellFeedRequestError);
    expect(refusal).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    expect(master.seen.map((h) => h.authorization)).toEqual([`Bearer ${deriveCellKey(MASTER, "platform", master.baseUrl)}`]);
  });
});
