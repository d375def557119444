import { describe, expect, it } from "@jest/globals";
import { deviceTokenFor, keepDeviceToken } from "./device-tokens.js";

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), items };
}

describe("Given device tokens kept by this browser", () => {
  it("finds the token however the phone is written", () => {
    const storage = memoryStorage();
    keepDeviceToken("+84912345678", "d1.token-a", storage);
    expect(["0912 345 678", "+84 912.345.678", "84912345678"].map((p) => deviceTokenFor(p, storage))).toEqual(["d1.token-a", "d1.token-a", "d1.token-a"]);
    expect(deviceTokenFor("0987654321", storage)).toBeUndefined();
    expect(deviceTokenFor("12", storage)).toBeUndefined();
  });

  it("replaces a phone's token and keeps the five most recent phones", () => {
    const storage = memoryStorage();
    for (let i = 0; i < 6; i++) keepDeviceToken(`+8491234567${i}`, `d1.token-${i}`, storage);
    keepDeviceToken("+84912345675", "d1.renewed", storage);
    expect(deviceTokenFor("+84912345675", storage)).toBe("d1.renewed");
    expect(deviceTokenFor("+84912345670", storage)).toBeUndefined();
    expect(deviceTokenFor("+84912345671", storage)).toBe("d1.token-1");
  });

  it("starts afresh from a damaged entry", () => {
    const storage = memoryStorage();
    storage.setItem("lsp.deviceTokens", "{not json");
    expect(deviceTokenFor("0912345678", storage)).toBeUndefined();
    keepDeviceToken("0912345678", "d1.new", storage);
    expect(deviceTokenFor("0912345678", storage)).toBe("d1.new");
  });

  it("never fails a sign-in when storage is blocked or full", () => {
    const blocked = { getItem: () => { throw new Error("SecurityError"); }, setItem: () => { throw new Error("QuotaExceededError"); } };
    expect(deviceTokenFor("0912345678", blocked)).toBeUndefined();
    expect(() => keepDeviceToken("0912345678", "d1.x", blocked)).not.toThrow();
  });
});
