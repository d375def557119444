import { describe, expect, it } from "@jest/globals";
import { cellDatabaseNames, InvalidCellNameError } from "./names.js";

describe("Given a cell name", () => {
  it("derives the schema and the API role from it", () => {
    expect(cellDatabaseNames("shared-1")).toEqual({ schema: "cell_shared_1", role: "cell_shared_1_api" });
  });

  it("keeps long names within Postgres' 63-byte identifiers and still distinct", () => {
    const a = cellDatabaseNames(`${"a".repeat(60)}-x1`);
    const b = cellDatabaseNames(`${"a".repeat(60)}-x2`);
    expect(a.role.length).toBeLessThanOrEqual(63);
    expect(a.schema.length).toBeLessThanOrEqual(63);
    expect(a.schema).not.toEqual(b.schema);
    expect(a.role).toBe(`${a.schema}_api`);
  });

  it.each(["", "Shared", "shared_1", "-a", "a-", "a;drop", "a".repeat(64)])("refuses '%s', naming the argument", (name) => {
    expect(() => cellDatabaseNames(name)).toThrow(InvalidCellNameError);
    expect(() => cellDatabaseNames(name)).toThrow(/cellName/);
  });
});
