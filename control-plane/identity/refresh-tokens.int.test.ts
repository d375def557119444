import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, randomPhone, type TestDatabase } from "../testing/databases.js";
import { ControlPlaneError } from "./errors.js";
import { RefreshTokens } from "./refresh-tokens.js";
import { upsertUserByPhone } from "./users.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function failure(promise: Promise<unknown>): Promise<ControlPlaneError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ControlPlaneError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

async function session() {
  const tokens = new RefreshTokens(db.pool);
  const user = await upsertUserByPhone(db.pool, randomPhone());
  return { tokens, user, first: await tokens.issue(user.id) };
}

describe("Given a signed-in user's refresh token", () => {
  it("rotates it on every use, each successor in the same family", async () => {
    const { tokens, user, first } = await session();
    const second = await tokens.rotate(first.token);
    const third = await tokens.rotate(second.token);
    expect(new Set([first.token, second.token, third.token]).size).toBe(3);
    expect(third).toMatchObject({ userId: user.id, familyId: first.familyId });
  });

  it("stores only hashes", async () => {
    const { first } = await session();
    const { rows } = await db.pool.query("SELECT token_hash FROM control_plane.refresh_tokens WHERE family_id = $1", [first.familyId]);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(first.token);
  });
});

describe("Given a refresh token that is replayed", () => {
  it("revokes the whole family: the replayed token and the legitimate successor both die", async () => {
    const { tokens, first } = await session();
    const successor = await tokens.rotate(first.token);
    expect((await failure(tokens.rotate(first.token))).code).toBe("REFRESH_TOKEN_REUSED");
    expect((await failure(tokens.rotate(successor.token))).code).toBe("REFRESH_TOKEN_INVALID");
    const { rows } = await db.pool.query("SELECT revoked_reason FROM control_plane.refresh_token_families WHERE id = $1", [first.familyId]);
    expect(rows[0].revoked_reason).toBe("reuse");
  });

  it("lets exactly one of two concurrent uses win and kills the family", async () => {
    const { tokens, first } = await session();
    const results = await Promise.allSettled([tokens.rotate(first.token), tokens.rotate(first.token)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const winner = results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ token: string }>;
    expect((await failure(tokens.rotate(winner.value.token))).code).toBe("REFRESH_TOKEN_INVALID");
  });

  it("leaves the user's other sessions alone", async () => {
    const { tokens, user, first } = await session();
    const other = await tokens.issue(user.id);
    await tokens.rotate(first.token);
    await failure(tokens.rotate(first.token));
    await expect(tokens.rotate(other.token)).resolves.toMatchObject({ familyId: other.familyId });
  });
});

describe("Given an expired, logged-out or made-up refresh token", () => {
  it("refuses a token older than 30 days", async () => {
    const { tokens, first } = await session();
    const in31Days = new Date(Date.now() + 31 * 24 * 3600 * 1000);
    expect((await failure(tokens.rotate(first.token, in31Days))).message).toMatch(/expired/);
  });

  it("refuses every token of a family after logout", async () => {
    const { tokens, first } = await session();
    const next = await tokens.rotate(first.token);
    expect(await tokens.revokeFamilyOf(next.token)).toBe(true);
    expect((await failure(tokens.rotate(next.token))).message).toMatch(/ended/);
  });

  it("refuses unknown and malformed tokens", async () => {
    const { tokens } = await session();
    expect((await failure(tokens.rotate("lsp_rt_made-up"))).code).toBe("REFRESH_TOKEN_INVALID");
    expect((await failure(tokens.rotate(""))).details.field).toBe("refreshToken");
  });
});
