// Sign-in, refresh, logout and logout everywhere: OTP proves the phone, then a token pair is issued whose access
// token carries the user's memberships as they are now (a refresh picks up new memberships).
import type { Pool } from "pg";
import { inTransaction } from "../../common/pg-transaction.js";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "./access-tokens.js";
import type { KeyRing } from "./keys.js";
import type { OtpService } from "./otp.js";
import type { RefreshTokens } from "./refresh-tokens.js";
import { findUserById, forgetDevices, membershipsOf, upsertUserByPhone, type User } from "./users.js";

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

export class Sessions {
  constructor(
    private readonly pool: Pool,
    private readonly otp: OtpService,
    private readonly keys: KeyRing,
    private readonly refreshTokens: RefreshTokens,
  ) {}

  /** `deviceToken` is the one this browser kept from an earlier sign-in, if any; a renewed or new one comes back. */
  async signIn(phone: string, code: string, ip: string, deviceToken?: string): Promise<TokenPair & { user: User; deviceToken: string }> {
    const verified = await this.otp.verify(phone, code, ip, deviceToken);
    const user = await upsertUserByPhone(this.pool, verified.phone);
    const { token } = await this.refreshTokens.issue(user.id);
    return { ...(await this.pair(user, token)), user, deviceToken: verified.deviceToken };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const rotated = await this.refreshTokens.rotate(refreshToken);
    const user = await findUserById(this.pool, rotated.userId);
    if (!user) throw new Error(`refresh token family ${rotated.familyId} belongs to missing user ${rotated.userId}`);
    return this.pair(user, rotated.token);
  }

  async signOut(refreshToken: string): Promise<void> {
    await this.refreshTokens.revokeFamilyOf(refreshToken);
  }

  /**
   * Ends every session of the token's user and forgets their known devices (ADR 0509), in one
   * transaction: a lost phone or a shared shop computer keeps neither a session nor a lane of
   * code requests. Access tokens already issued run out within their 15 minutes.
   */
  async signOutEverywhere(refreshToken: string, now = new Date()): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const userId = await this.refreshTokens.revokeAllOfUser(client, refreshToken, now);
      await forgetDevices(client, userId, now);
    });
  }

  /**
   * A token with the user's current memberships. `notAfter` (seconds since the epoch) caps its
   * expiry: a token handed out because another token was presented (GraphQL mutations that change
   * memberships) must not outlive that one, or an access token could be renewed forever without
   * the refresh token, past a sign-out or a revoked refresh family.
   */
  async accessTokenFor(user: User, notAfter?: number): Promise<string> {
    return signAccessToken(this.keys, { sub: user.id, phone: user.phone, memberships: await membershipsOf(this.pool, user.id) }, { notAfter });
  }

  private async pair(user: User, refreshToken: string): Promise<TokenPair> {
    return { accessToken: await this.accessTokenFor(user), refreshToken, tokenType: "Bearer", expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }
}
