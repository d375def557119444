import { describe, expect, it } from "@jest/globals";
import { issueDatesLine } from "./export-pdf.js";

describe("Given an invoice issued at 01:00 in Vietnam on the 1st (18:00 UTC the day before)", () => {
  it("prints the Vietnamese issue day, not the UTC one, with the due date", () => {
    const issuedAt = new Date("2026-11-30T18:00:00Z");
    expect(issueDatesLine({ issuedAt, dueOn: "2026-12-16" })).toBe("Ngày lập: 2026-12-01 — Hạn thanh toán: 2026-12-16");
  });

  it("prints no dates for a draft", () => {
    expect(issueDatesLine({})).toBeUndefined();
  });
});
