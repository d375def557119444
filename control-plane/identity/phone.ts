// Vietnamese phone numbers in, E.164 (+84…) out. Only mobile numbers can receive an OTP by SMS,
// so landlines and the pre-2018 eleven-digit mobile numbers are refused with a message saying why.

export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

// After the country code a Vietnamese mobile number has nine digits and starts with 3, 5, 7, 8 or 9
// (the 2018 renumbering moved every mobile range there).
const MOBILE_NSN = /^[35789]\d{8}$/;
const SEPARATORS = /[\s.\-()]/g;

export function normalizeVietnamesePhone(input: string): PhoneResult {
  const raw = input.trim();
  if (raw === "") return { ok: false, message: "phone is required" };
  const compact = raw.replace(SEPARATORS, "");
  if (!/^\+?\d+$/.test(compact)) return { ok: false, message: `phone '${input}' may contain only digits, spaces, dots, dashes, parentheses and a leading +` };

  let nsn: string;
  if (compact.startsWith("+84")) nsn = compact.slice(3);
  else if (compact.startsWith("+")) return { ok: false, message: `phone '${input}' is not a Vietnamese number (+84); only Vietnamese mobile numbers can sign in` };
  else if (compact.startsWith("84") && compact.length === 11) nsn = compact.slice(2);
  else if (compact.startsWith("0")) nsn = compact.slice(1);
  else nsn = compact;
  if (nsn.startsWith("0")) nsn = nsn.slice(1); // "+84 0912…" is a common way to write it

  if (/^1\d{9}$/.test(nsn)) return { ok: false, message: `phone '${input}' uses an eleven-digit number retired in 2018; use the new ten-digit number (e.g. 016x → 03x)` };
  if (/^2\d{8,9}$/.test(nsn)) return { ok: false, message: `phone '${input}' is a landline; sign-in codes are sent by SMS, so use a mobile number` };
  if (!MOBILE_NSN.test(nsn)) return { ok: false, message: `phone '${input}' is not a valid Vietnamese mobile number (expected 10 digits starting 03, 05, 07, 08 or 09, or +84 followed by 9 digits)` };
  return { ok: true, e164: `+84${nsn}` };
}
