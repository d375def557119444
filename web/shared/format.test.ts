import { describe, expect, it } from "@jest/globals";
import { daysBefore, formatVnd, vietnamToday } from "./format.js";

describe("Given amounts in đồng", () => {
  it("formats them the Vietnamese way: dot thousands, no decimals, the đồng sign", () => {
    // Intl puts a no-break space before the sign.
    expect([0, 5_000, 115_000, 1_234_567].map((v) => formatVnd(v).replace(/\s/g, " "))).toEqual([
      "0 ₫",
      "5.000 ₫",
      "115.000 ₫",
      "1.234.567 ₫",
    ]);
  });
});

describe("Given dates in Vietnam (UTC+7)", () => {
  it("takes today's date from Vietnamese time, not UTC", () => {
    expect([
      vietnamToday(new Date("2026-11-21T16:59:00Z")),
      vietnamToday(new Date("2026-11-21T17:00:00Z")),
    ]).toEqual(["2026-11-21", "2026-11-22"]);
  });

  it("counts days back across month and year ends", () => {
    expect([daysBefore("2026-03-01", 1), daysBefore("2026-01-03", 6), daysBefore("2026-11-22", 0)]).toEqual([
      "2026-02-28",
      "2025-12-28",
      "2026-11-22",
    ]);
  });
});
