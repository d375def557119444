// Codes people type or read aloud: no 0/O, 1/I/L, so a code read over the phone survives.
import { createHash, createHmac, randomInt } from "node:crypto";

const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

function randomChars(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** 8 characters (~40 bits): enough for a code bound to one phone, expiring, and rate-limited. */
export const newInviteCode = (): string => randomChars(8);

/** 12 characters in three groups (~60 bits): a join code is long-lived and not bound to a phone. */
export const newJoinCode = (): string => [randomChars(4), randomChars(4), randomChars(4)].join("-");

/** Case, spaces and dashes do not matter when a code is typed back. */
export function canonicalCode(input: string): string {
  return String(input).toUpperCase().replace(/[\s-]/g, "");
}

/**
 * How a code is stored: an HMAC under the server's secret (the OTP pepper), so a copy of the
 * database alone cannot be searched offline — a join code's stored hint leaves only ~40 bits
 * to guess, a minute of GPU time against a plain hash.
 */
export function hashCode(input: string, secret: string): string {
  return createHmac("sha256", secret).update(canonicalCode(input)).digest("hex");
}

/**
 * Invite codes stored before the secret was used (plain SHA-256). An invite expires at most 30 days
 * after it was sent, so these lapse by 2026-12-22 and this can go then. Join codes never expire, so
 * their plain hashes are not accepted at all (migration 0003 revoked the join codes they belonged to).
 */
export function legacyHashCode(input: string): string {
  return createHash("sha256").update(canonicalCode(input)).digest("hex");
}

/** Every stored form an invite code may have, for lookups. A join code has one: `hashCode`. */
export function inviteCodeHashes(input: string, secret: string): string[] {
  return [hashCode(input, secret), legacyHashCode(input)];
}
