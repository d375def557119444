// Overlapping queries on one client: pg queues them with a deprecation warning (refused in pg@9);
// SerialClient runs them in turn without one, in the order they were issued.
import { describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";

const FIXTURE = resolve(import.meta.dirname, "testing/overlapping-queries.ts");

async function overlapping(client: "serial" | "plain"): Promise<{ results: unknown[]; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", FIXTURE, client], { env: { ...process.env, NODE_OPTIONS: "" } });
  return { results: JSON.parse(stdout) as unknown[], stderr };
}

describe("Given queries issued on one client before the previous one answered", () => {
  it("runs them in turn, in order, failures included, with no deprecation warning", async () => {
    const { results, stderr } = await overlapping("serial");
    expect(results).toEqual([1, 2, 3, "division by zero", 4]);
    expect(stderr).not.toMatch(/already executing a query/);
  }, 30_000);

  it("is needed: a plain pg Client warns that overlapping queries are deprecated", async () => {
    const { results, stderr } = await overlapping("plain");
    expect(results).toEqual([1, 2, 3, "division by zero", 4]);
    expect(stderr).toMatch(/DeprecationWarning: Calling client.query\(\) when the client is already executing a query/);
  }, 30_000);
});
