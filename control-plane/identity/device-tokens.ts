// Known-device tokens: proof that this browser once signed in with this phone. They are not
// credentials (a code by SMS is still needed); they only give a device its own lane of code
// requests, so a stranger who spends a phone's public quota cannot lock its owner out (ADR 0507).
// Stateless: an HMAC under the OTP pepper over phone, device id and expiry, so nothing is stored
// and a token made for one phone is worthless for another.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const DEVICE_TOKEN_TTL_SECONDS = 180 * 86_400;
const VERSION = "d1";

export interface DeviceTokenSecret {
  pepper: string;
}

/** A token for `phone`, naming `deviceId` (a new one when omitted), valid for 180 days from `now`. */
export function issueDeviceToken(secret: DeviceTokenSecret, phone: string, deviceId?: string, now = Date.now()): string {
  const id = deviceId ?? randomBytes(12).toString("base64url");
  const expiresAt = Math.floor(now / 1000) + DEVICE_TOKEN_TTL_SECONDS;
  return `${VERSION}.${id}.${expiresAt}.${sign(secret, phone, id, expiresAt)}`;
}

/**
 * The device id in `token` when the token was made for `phone` and has not expired; otherwise
 * undefined: a forged, foreign or stale token simply counts as no token. `forgottenAt` (ms since
 * the epoch): the phone's devices were forgotten then ("sign out everywhere"), so a token minted
 * that second or before counts as no token either (the expiry has whole seconds, so a token
 * minted later in the same second is forgotten too: never one minted before kept).
 */
export function deviceIdFrom(secret: DeviceTokenSecret, phone: string, token: string | undefined, now = Date.now(), forgottenAt?: number): string | undefined {
  if (!token) return undefined;
  const parts = token.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const [, id, expiry, signature] = parts as [string, string, string, string];
  // One spelling per token: no leading zeros in the expiry.
  if (!/^[A-Za-z0-9_-]{16}$/.test(id) || !/^[1-9]\d{0,11}$/.test(expiry)) return undefined;
  const expiresAt = Number(expiry);
  if (expiresAt * 1000 <= now) return undefined;
  if (forgottenAt !== undefined && (expiresAt - DEVICE_TOKEN_TTL_SECONDS) * 1000 <= forgottenAt) return undefined;
  const expected = Buffer.from(sign(secret, phone, id, expiresAt));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
}

function sign(secret: DeviceTokenSecret, phone: string, id: string, expiresAt: number): string {
  // Domain-separated from the code and invite HMACs under the same pepper.
  return createHmac("sha256", secret.pepper).update(`lsp-device-token\0${phone}\0${id}\0${expiresAt}`).digest("base64url");
}
