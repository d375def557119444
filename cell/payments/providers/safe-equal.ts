import { timingSafeEqual } from "node:crypto";

/** Constant-time comparison of two hex digests (case-insensitive); false on length mismatch. */
export function safeEqualHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), "utf8");
  const b = Buffer.from(given.toLowerCase(), "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
