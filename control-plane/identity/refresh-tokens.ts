// Refresh tokens: opaque, 30 days, single use. Each sign-in starts a family; every refresh spends
// the presented token and issues its successor in the same family. Presenting a spent token means
// two parties hold the family (one of them stole it), so the whole family is revoked — the thief's
// and the owner's tokens alike — and the owner signs in again. Only SHA-256 hashes are stored.
import { createHash, randomBytes } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { ControlPlaneError } from "./errors.js";

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const PREFIX = "lsp_rt_";

const hash = (token: string) => createHash("sha256").update(token).digest("hex");
const newToken = () => `${PREFIX}${randomBytes(32).toString("base64url")}`;

export type RefreshOutcome = "rotated" | "reused" | "expired" | "revoked" | "unknown";

async function insertToken(db: Pool | PoolClient, familyId: string, now: Date, ttlSeconds: number): Promise<string> {
  const token = newToken();
  await db.query("INSERT INTO control_plane.refresh_tokens (family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)", [
    familyId,
    hash(token),
    now,
    new Date(now.getTime() + ttlSeconds * 1000),
  ]);
  return token;
}

export class RefreshTokens {
  constructor(
    private readonly pool: Pool,
    private readonly ttlSeconds = REFRESH_TOKEN_TTL_SECONDS,
    private readonly observe: (outcome: RefreshOutcome) => void = () => {},
  ) {}

  /** A new family for a fresh sign-in. */
  async issue(userId: string, now = new Date()): Promise<{ token: string; familyId: string }> {
    const { rows } = await this.pool.query<{ id: string }>("INSERT INTO control_plane.refresh_token_families (user_id, created_at) VALUES ($1, $2) RETURNING id", [userId, now]);
    const familyId = rows[0]!.id;
    return { token: await insertToken(this.pool, familyId, now, this.ttlSeconds), familyId };
  }

  /** Spends `token` and returns its successor, or throws (revoking the family on reuse). */
  async rotate(token: string, now = new Date()): Promise<{ token: string; userId: string; familyId: string }> {
    if (typeof token !== "string" || !token.startsWith(PREFIX)) {
      this.observe("unknown");
      throw new ControlPlaneError("REFRESH_TOKEN_INVALID", "refreshToken is missing or not a refresh token", { field: "refreshToken" });
    }
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // The row lock serialises concurrent uses of one token: the second sees used_at set.
      const { rows } = await client.query<{ id: string; family_id: string; used_at: Date | null; expires_at: Date; user_id: string; revoked_at: Date | null }>(
        `SELECT t.id, t.family_id, t.used_at, t.expires_at, f.user_id, f.revoked_at
           FROM control_plane.refresh_tokens t JOIN control_plane.refresh_token_families f ON f.id = t.family_id
          WHERE t.token_hash = $1 FOR UPDATE OF t, f`,
        [hash(token)],
      );
      const row = rows[0];
      if (!row) {
        await client.query("ROLLBACK");
        this.observe("unknown");
        throw new ControlPlaneError("REFRESH_TOKEN_INVALID", "refresh token not recognised; sign in again");
      }
      if (row.revoked_at) {
        await client.query("ROLLBACK");
        this.observe("revoked");
        throw new ControlPlaneError("REFRESH_TOKEN_INVALID", "this session was ended; sign in again");
      }
      if (row.used_at) {
        await client.query("UPDATE control_plane.refresh_token_families SET revoked_at = $2, revoked_reason = 'reuse' WHERE id = $1", [row.family_id, now]);
        await client.query("COMMIT");
        this.observe("reused");
        throw new ControlPlaneError("REFRESH_TOKEN_REUSED", "this refresh token was already used; every session from this sign-in is now ended, sign in again");
      }
      if (row.expires_at <= now) {
        await client.query("ROLLBACK");
        this.observe("expired");
        throw new ControlPlaneError("REFRESH_TOKEN_INVALID", "refresh token expired; sign in again");
      }
      await client.query("UPDATE control_plane.refresh_tokens SET used_at = $2 WHERE id = $1", [row.id, now]);
      const next = await insertToken(client, row.family_id, now, this.ttlSeconds);
      await client.query("COMMIT");
      this.observe("rotated");
      return { token: next, userId: row.user_id, familyId: row.family_id };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Ends every session of the user whose live refresh token this is ("sign out everywhere") and
   * returns the user. Unlike a single logout this needs proof: a token that is unknown, spent,
   * expired or of an ended session is refused, and nothing is revoked. Runs in the caller's
   * transaction.
   */
  async revokeAllOfUser(client: PoolClient, token: string, now = new Date()): Promise<string> {
    const { rows } = await client.query<{ user_id: string }>(
      `SELECT f.user_id FROM control_plane.refresh_tokens t JOIN control_plane.refresh_token_families f ON f.id = t.family_id
        WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND f.revoked_at IS NULL`,
      [hash(String(token)), now],
    );
    const userId = rows[0]?.user_id;
    if (!userId) throw new ControlPlaneError("REFRESH_TOKEN_INVALID", "refreshToken is not a live session's token; signing out everywhere needs the current one", { field: "refreshToken" });
    await client.query(`UPDATE control_plane.refresh_token_families SET revoked_at = $2, revoked_reason = 'logout-everywhere' WHERE user_id = $1 AND revoked_at IS NULL`, [userId, now]);
    return userId;
  }

  /** Ends the session the token belongs to; unknown tokens are ignored (logout is idempotent). */
  async revokeFamilyOf(token: string, reason = "logout", now = new Date()): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE control_plane.refresh_token_families f SET revoked_at = $2, revoked_reason = $3
         FROM control_plane.refresh_tokens t
        WHERE t.token_hash = $1 AND t.family_id = f.id AND f.revoked_at IS NULL`,
      [hash(String(token)), now, reason],
    );
    return (rowCount ?? 0) > 0;
  }
}
