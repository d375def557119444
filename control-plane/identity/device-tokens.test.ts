import { describe, expect, it } from "@jest/globals";
import { DEVICE_TOKEN_TTL_SECONDS, deviceIdFrom, issueDeviceToken } from "./device-tokens.js";

const secret = { pepper: "test-pepper-0123456789" };
const phone = "+84912345678";

describe("Given a device token issued at sign-in", () => {
  it("names the same device for the phone it was made for", () => {
    const token = issueDeviceToken(secret, phone);
    const id = deviceIdFrom(secret, phone, token);
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // Re-issuing keeps the device: a renewed token still names it.
    expect(deviceIdFrom(secret, phone, issueDeviceToken(secret, phone, id))).toBe(id);
  });

  it("gives a new device id each time none is named", () => {
    expect(deviceIdFrom(secret, phone, issueDeviceToken(secret, phone))).not.toBe(deviceIdFrom(secret, phone, issueDeviceToken(secret, phone)));
  });

  it("is worthless for another phone, under another pepper, or once expired", () => {
    const now = Date.parse("2026-11-22T00:00:00Z");
    const token = issueDeviceToken(secret, phone, undefined, now);
    expect(deviceIdFrom(secret, "+84987654321", token, now)).toBeUndefined();
    expect(deviceIdFrom({ pepper: "another-pepper-0123456789" }, phone, token, now)).toBeUndefined();
    expect(deviceIdFrom(secret, phone, token, now + DEVICE_TOKEN_TTL_SECONDS * 1000 - 1_000)).toBeDefined();
    expect(deviceIdFrom(secret, phone, token, now + DEVICE_TOKEN_TTL_SECONDS * 1000)).toBeUndefined();
  });

  it("is forgotten when the phone's devices were forgotten after it was minted (sign out everywhere), down to the second it was minted in", () => {
    const minted = Date.parse("2026-11-22T00:00:00.400Z");
    const token = issueDeviceToken(secret, phone, undefined, minted);
    const later = minted + 60_000;
    expect(deviceIdFrom(secret, phone, token, later, undefined)).toBeDefined();
    expect(deviceIdFrom(secret, phone, token, later, minted - 1_000)).toBeDefined();
    expect(deviceIdFrom(secret, phone, token, later, minted + 1_000)).toBeUndefined();
    // Forgotten at .100 of the second the token was minted in (.400): forgotten, though minted after.
    expect(deviceIdFrom(secret, phone, token, later, minted - 300)).toBeUndefined();
  });

  it("refuses a token whose expiry or device id was changed", () => {
    const token = issueDeviceToken(secret, phone);
    const [version, id, expiry, signature] = token.split(".") as [string, string, string, string];
    expect(deviceIdFrom(secret, phone, [version, id, String(Number(expiry) + 86_400), signature].join("."))).toBeUndefined();
    const otherId = id.startsWith("A") ? `B${id.slice(1)}` : `A${id.slice(1)}`;
    expect(deviceIdFrom(secret, phone, [version, otherId, expiry, signature].join("."))).toBeUndefined();
    // A second spelling of the same expiry is not the same token.
    expect(deviceIdFrom(secret, phone, [version, id, `0${expiry}`, signature].join("."))).toBeUndefined();
  });

  it("treats malformed input as no token", () => {
    for (const bad of [undefined, "", "d1", "d1.a.b.c", "d2.AAAAAAAAAAAAAAAA.9999999999.x", "d1.AAAAAAAAAAAAAAAA.99999999999999.x", "d1.AAAAAAAA/AAAAAAA.9999999999.x"]) {
      expect(deviceIdFrom(secret, phone, bad)).toBeUndefined();
    }
  });
});
