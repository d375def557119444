import { describe, expect, it } from "@jest/globals";
import { localDays, localToday } from "./figures.js";

describe("Given instants around local midnights", () => {
  it("names the local calendar day in each time zone", () => {
    const instant = new Date("2026-03-01T16:59:59Z");
    expect(localToday("Asia/Ho_Chi_Minh", instant)).toBe("2026-03-01");
    expect(localToday("Asia/Ho_Chi_Minh", new Date("2026-03-01T17:00:00Z"))).toBe("2026-03-02");
    expect(localToday("Asia/Kolkata", new Date("2026-03-01T18:29:00Z"))).toBe("2026-03-01");
    expect(localToday("Asia/Kolkata", new Date("2026-03-01T18:30:00Z"))).toBe("2026-03-02");
    expect(localToday("Pacific/Chatham", new Date("2026-03-01T10:15:00Z"))).toBe("2026-03-02");
    expect(localToday("America/Los_Angeles", new Date("2026-03-08T07:59:00Z"))).toBe("2026-03-07");
    expect(localToday("America/Los_Angeles", new Date("2026-03-08T08:00:00Z"))).toBe("2026-03-08");
  });

  it("lists the days of a range inclusively, across month ends", () => {
    expect(localDays("2026-02-27", "2026-03-02")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    expect(localDays("2026-01-01", "2026-01-01")).toEqual(["2026-01-01"]);
  });
});
