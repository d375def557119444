import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSnapshot, writeSnapshot } from "./snapshot.js";

describe("Given a route snapshot file", () => {
  const dir = mkdtempSync(join(tmpdir(), "router-snapshot-"));

  it("reads back exactly what was written", () => {
    const file = join(dir, "nested", "routes.json");
    writeSnapshot(file, { pho: { endpoint: "http://cell-a:8080", suspended: false, hold: false } });
    expect(readSnapshot(file)?.routes).toEqual({ pho: { endpoint: "http://cell-a:8080", suspended: false, hold: false } });
  });

  it("has nothing to say when no snapshot exists yet", () => {
    expect(readSnapshot(join(dir, "missing.json"))).toBeUndefined();
  });

  it("refuses a corrupt or foreign file and says where it is wrong", () => {
    const corrupt = join(dir, "corrupt.json");
    writeFileSync(corrupt, "{not json");
    expect(() => readSnapshot(corrupt)).toThrow(/corrupt.json is not JSON/);
    const foreign = join(dir, "foreign.json");
    writeFileSync(foreign, JSON.stringify({ kind: "lsp-router-routes", version: 1, savedAt: "x", routes: { pho: { endpoint: 42 } } }));
    expect(() => readSnapshot(foreign)).toThrow(/invalid at 'routes.pho.endpoint'/);
  });
});
