// The control plane's device tokens, one per phone signed in on this browser. Sending it with a
// code request puts the request in this device's own lane, so a stranger who spends the phone's
// public quota cannot keep its owner from signing in (ADR 0507). Kept across sign-outs on
// purpose: the browser stays known. Not a credential: a code by SMS is still needed.

const STORAGE_KEY = "lsp.deviceTokens";
const MAX_PHONES = 5;

type DeviceStorage = Pick<Storage, "getItem" | "setItem">;

/** The phone's last nine digits: the same for 0912 345 678, +84 912 345 678 and 84912345678. */
function phoneKey(phone: string): string {
  return phone.replace(/\D/g, "").slice(-9);
}

function load(storage: DeviceStorage): [string, string][] {
  try {
    const parsed = JSON.parse(storage.getItem(STORAGE_KEY) ?? "[]") as unknown;
    return Array.isArray(parsed) ? parsed.filter((e): e is [string, string] => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "string") : [];
  } catch {
    return [];
  }
}

// Storage can be blocked or full (private modes, quotas): a device token is a convenience, so
// failing to read or keep one must never fail a sign-in.

export function deviceTokenFor(phone: string, storage?: DeviceStorage): string | undefined {
  try {
    const key = phoneKey(phone);
    return key.length === 9 ? load(storage ?? localStorage).find(([k]) => k === key)?.[1] : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `token` for `phone`, most recent first, for at most five phones. */
export function keepDeviceToken(phone: string, token: string, storage?: DeviceStorage): void {
  try {
    const store = storage ?? localStorage;
    const key = phoneKey(phone);
    const others = load(store).filter(([k]) => k !== key);
    store.setItem(STORAGE_KEY, JSON.stringify([[key, token], ...others].slice(0, MAX_PHONES)));
  } catch {
    // Not kept: the next sign-in from this browser uses the phone's public lane.
  }
}
