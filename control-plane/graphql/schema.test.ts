import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { printSchema } from "graphql";
import { schema } from "./schema/index.js";

describe("Given the owner GraphQL schema the code builds", () => {
  it("matches the committed schema.graphql (regenerate: npx tsx control-plane/graphql/print-schema.ts)", () => {
    const committed = readFileSync(new URL("./schema.graphql", import.meta.url), "utf8");
    expect(`${printSchema(schema)}\n`).toBe(committed);
  });
});
