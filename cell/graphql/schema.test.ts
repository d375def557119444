import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { printSchema } from "graphql";
import { schema } from "./schema/index.js";

describe("Given the cell's GraphQL schema", () => {
  it("matches the committed cell/graphql/schema.graphql (regenerate: npx tsx cell/graphql/print-schema.ts)", () => {
    const committed = readFileSync(join(import.meta.dirname, "schema.graphql"), "utf8");
    expect(`${printSchema(schema)}\n`).toBe(committed);
  });

  it("offers the dashboard fields the issue names", () => {
    const location = schema.getType("Location");
    expect(location && "getFields" in location ? Object.keys(location.getFields()) : []).toEqual(
      expect.arrayContaining(["todayRevenue", "todayOrders", "hourlyTrends", "topItems", "dashboard"]),
    );
  });
});
