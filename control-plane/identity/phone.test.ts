import { describe, expect, it } from "@jest/globals";
import { normalizeVietnamesePhone } from "./phone.js";

describe("Given Vietnamese phone numbers written the ways people write them", () => {
  it.each([
    ["0912345678", "+84912345678"],
    ["0912 345 678", "+84912345678"],
    ["091.234.5678", "+84912345678"],
    ["+84 912 345 678", "+84912345678"],
    ["84912345678", "+84912345678"],
    ["+84 0912345678", "+84912345678"],
    ["(+84) 38-123-4567", "+84381234567"],
    ["0701234567", "+84701234567"],
  ])("normalises %s to %s", (input, e164) => {
    expect(normalizeVietnamesePhone(input)).toEqual({ ok: true, e164 });
  });
});

describe("Given numbers that cannot receive a sign-in SMS", () => {
  it.each([
    ["", /required/],
    ["09123abc78", /only digits/],
    ["+14155550100", /not a Vietnamese number/],
    ["01681234567", /retired in 2018/],
    ["02438123456", /landline/],
    ["091234567", /not a valid Vietnamese mobile/],
    ["09123456789", /not a valid Vietnamese mobile/],
    ["0612345678", /not a valid Vietnamese mobile/],
  ])("refuses %j with a message saying why", (input, message) => {
    const result = normalizeVietnamesePhone(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});
