import { describe, expect, it } from "@jest/globals";
import { canonicalCode, hashCode, newInviteCode, newJoinCode } from "./codes.js";

describe("Given invite and join codes", () => {
  it("makes invite codes of 8 unambiguous characters and join codes of three groups of 4", () => {
    expect(newInviteCode()).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    expect(newJoinCode()).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
  });

  it("does not repeat itself", () => {
    expect(new Set(Array.from({ length: 1000 }, newJoinCode)).size).toBe(1000);
  });

  it("hashes a code the same however it is typed back", () => {
    expect(canonicalCode(" abcd-efgh-jkmn ")).toBe("ABCDEFGHJKMN");
    expect(hashCode("abcd efgh jkmn")).toBe(hashCode("ABCD-EFGH-JKMN"));
    expect(hashCode("ABCD-EFGH-JKMN")).not.toBe(hashCode("ABCD-EFGH-JKMP"));
  });
});
