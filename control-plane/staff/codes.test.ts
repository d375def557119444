import { describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { canonicalCode, hashCode, inviteCodeHashes, legacyHashCode, newInviteCode, newJoinCode } from "./codes.js";

const SECRET = "test-secret-0123456789";

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
    expect(hashCode("abcd efgh jkmn", SECRET)).toBe(hashCode("ABCD-EFGH-JKMN", SECRET));
    expect(hashCode("ABCD-EFGH-JKMN", SECRET)).not.toBe(hashCode("ABCD-EFGH-JKMP", SECRET));
  });

  it("keys the stored form by the server's secret, so a database copy alone cannot be searched", () => {
    expect(hashCode("ABCD-EFGH-JKMN", SECRET)).not.toBe(hashCode("ABCD-EFGH-JKMN", "another-secret-0123456789"));
    expect(hashCode("ABCD-EFGH-JKMN", SECRET)).not.toBe(legacyHashCode("ABCD-EFGH-JKMN"));
    // Invite codes stored before (plain SHA-256) are still found until they expire.
    expect(inviteCodeHashes("abcd-efgh-jkmn", SECRET)).toEqual([hashCode("ABCDEFGHJKMN", SECRET), createHash("sha256").update("ABCDEFGHJKMN").digest("hex")]);
  });
});
