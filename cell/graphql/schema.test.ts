import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GraphQLError, printSchema, type GraphQLScalarType } from "graphql";
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

  describe("and its DateTime scalar", () => {
    const dateTime = schema.getType("DateTime") as GraphQLScalarType;
    const parse = (value: string) => (dateTime.parseValue(value) as Date).toISOString();

    it("reads an instant written with Z or an offset, seconds and fraction optional", () => {
      expect(parse("2026-03-01T19:00:00+07:00")).toBe("2026-03-01T12:00:00.000Z");
      expect(parse("2026-03-01T12:00:00Z")).toBe("2026-03-01T12:00:00.000Z");
      expect(parse("2026-03-01T12:00Z")).toBe("2026-03-01T12:00:00.000Z");
      expect(parse("2026-03-01T06:30:15.123456-05:30")).toBe("2026-03-01T12:00:15.123Z");
      expect(parse("2028-02-29T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
    });

    it.each([
      ["without an offset (a till's local time would be read as UTC)", "2026-03-01T12:00:00"],
      ["an impossible date (Date would roll it into March)", "2026-02-30T10:00:00Z"],
      ["February 29th of a common year", "2026-02-29T10:00:00Z"],
      ["hour 24", "2026-03-01T24:00:00Z"],
      ["minute 60", "2026-03-01T12:60:00Z"],
      ["an offset beyond 23:59", "2026-03-01T12:00:00+24:00"],
      ["a date alone", "2026-03-01"],
      ["a space for T", "2026-03-01 12:00:00Z"],
      ["an offset without minutes", "2026-03-01T12:00:00+07"],
    ])("refuses a timestamp %s as BAD_USER_INPUT", (_what, value) => {
      let error: unknown;
      try {
        dateTime.parseValue(value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GraphQLError);
      expect((error as GraphQLError).extensions.code).toBe("BAD_USER_INPUT");
      expect((error as GraphQLError).message).toContain(JSON.stringify(value));
    });
  });
});
