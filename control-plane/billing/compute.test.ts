import { describe, expect, it } from "@jest/globals";
import { computeInvoice, UnknownPlanError, type SegmentUsage } from "./compute.js";
import { formatVnd, mulDivRound } from "./money.js";
import { parsePeriod, periodOf, InvalidPeriodError } from "./period.js";
import { DEFAULT_PLANS, planCatalog } from "./plans.js";
import { CANCELLED, subscriptionSegments, type PlanChange } from "./segments.js";
import { DEFAULT_VAT, VIETNAM_REDUCED_VAT_PERIODS, vatConfig, vatRateOn } from "./vat.js";

const plans = planCatalog();
const growth = DEFAULT_PLANS.find((p) => p.id === "growth")!;
const starter = DEFAULT_PLANS.find((p) => p.id === "starter")!;
const chain = DEFAULT_PLANS.find((p) => p.id === "chain")!;

function invoice(periodId: string, changes: PlanChange[], usage: SegmentUsage[] = [], carried = { activeLocations: 2, staffSeats: 4 }, vat = DEFAULT_VAT) {
  const period = parsePeriod(periodId);
  const segments = subscriptionSegments(period, changes);
  return computeInvoice({ tenantSlug: "pho-ha-noi", period, segments, usage: usage.length ? usage : segments.map(() => ({ orders: 0, gmvVnd: 0n })), carried, plans, vat });
}

function amount(inv: ReturnType<typeof invoice>, code: string, plan?: string): bigint {
  return inv.lines.filter((l) => l.code === code && (!plan || l.plan === plan)).reduce((s, l) => s + BigInt(l.amountVnd), 0n);
}

describe("Given billing periods in Vietnamese time", () => {
  it("starts a month at local midnight, 17:00 UTC the day before", () => {
    const nov = parsePeriod("2026-11");
    expect(nov.start.toISOString()).toBe("2026-10-31T17:00:00.000Z");
    expect(nov.end.toISOString()).toBe("2026-11-30T17:00:00.000Z");
    expect(nov.daysInMonth).toBe(30);
    expect(parsePeriod("2028-02").daysInMonth).toBe(29);
    expect(parsePeriod("2027-02").daysInMonth).toBe(28);
    expect(periodOf(new Date("2026-11-30T16:59:59Z"))).toBe("2026-11");
    expect(periodOf(new Date("2026-11-30T17:00:00Z"))).toBe("2026-12");
  });

  it("rejects a malformed period, saying what it expects", () => {
    expect(() => parsePeriod("2026-13")).toThrow(InvalidPeriodError);
    expect(() => parsePeriod("11/2026")).toThrow(/expected "YYYY-MM"/);
  });
});

describe("Given a subscription held for a whole month", () => {
  it("charges exactly the monthly price per location, whatever the month's length", () => {
    for (const month of ["2026-02", "2028-02", "2026-04", "2026-12"]) {
      const inv = invoice(month, [{ effectiveOn: "2026-01-01", plan: "growth" }]);
      expect(amount(inv, "locations")).toBe(2n * BigInt(growth.locationMonthlyVnd));
    }
  });

  it("adds 10% VAT by default and totals in whole đồng", () => {
    const inv = invoice("2026-11", [{ effectiveOn: "2026-01-01", plan: "growth" }]);
    expect(inv.subtotalVnd).toBe(898_000n);
    expect(inv.vatRateBasisPoints).toBe(1_000);
    expect(inv.vatVnd).toBe(89_800n);
    expect(inv.totalVnd).toBe(987_800n);
  });

  it("bills orders beyond the included allowance and the Chain plan's GMV share", () => {
    const inv = invoice("2026-11", [{ effectiveOn: "2026-01-01", plan: "chain" }], [{ orders: chain.includedOrders + 1_234, gmvVnd: 987_654_321n, maxActiveLocations: 12, maxStaffSeats: 35 }]);
    expect(amount(inv, "locations")).toBe(12n * BigInt(chain.locationMonthlyVnd));
    expect(amount(inv, "orders")).toBe(1_234n * BigInt(chain.extraOrderVnd));
    expect(amount(inv, "gmv")).toBe(987_654n); // 0.1% of 987,654,321 = 987,654.321 → 987,654
    expect(amount(inv, "seats")).toBe(5n * BigInt(chain.extraSeatMonthlyVnd));
  });
});

describe("Given a plan change in the middle of a month", () => {
  it("prorates each plan by the days it was held, the change day belonging to the new plan", () => {
    const inv = invoice("2026-11", [
      { effectiveOn: "2026-01-01", plan: "starter" },
      { effectiveOn: "2026-11-11", plan: "growth" },
    ]);
    // starter 1-10 Nov (10/30), growth 11-30 Nov (20/30), 2 locations.
    expect(amount(inv, "locations", "starter")).toBe(mulDivRound(2n * BigInt(starter.locationMonthlyVnd), 10n, 30n));
    expect(amount(inv, "locations", "growth")).toBe(mulDivRound(2n * BigInt(growth.locationMonthlyVnd), 20n, 30n));
    expect(inv.lines.filter((l) => l.code === "locations").map((l) => [l.from, l.to])).toEqual([["2026-11-01", "2026-11-10"], ["2026-11-11", "2026-11-30"]]);
  });

  it("bills one day of the new plan when the change falls on the last day of the month", () => {
    const inv = invoice("2026-01", [
      { effectiveOn: "2025-06-01", plan: "growth" },
      { effectiveOn: "2026-01-31", plan: "chain" },
    ]);
    const lines = inv.lines.filter((l) => l.code === "locations");
    expect(lines.map((l) => [l.plan, l.from, l.to])).toEqual([["growth", "2026-01-01", "2026-01-30"], ["chain", "2026-01-31", "2026-01-31"]]);
    expect(BigInt(lines[1]!.amountVnd)).toBe(mulDivRound(2n * BigInt(chain.locationMonthlyVnd), 1n, 31n));
  });

  it("bills one day of the new plan on 29 February of a leap year and on 28 February otherwise", () => {
    const leap = invoice("2028-02", [{ effectiveOn: "2027-01-01", plan: "starter" }, { effectiveOn: "2028-02-29", plan: "growth" }]);
    expect(amount(leap, "locations", "growth")).toBe(mulDivRound(2n * BigInt(growth.locationMonthlyVnd), 1n, 29n));
    expect(amount(leap, "locations", "starter")).toBe(mulDivRound(2n * BigInt(starter.locationMonthlyVnd), 28n, 29n));
    const common = invoice("2027-02", [{ effectiveOn: "2027-01-01", plan: "starter" }, { effectiveOn: "2027-02-28", plan: "growth" }]);
    expect(amount(common, "locations", "growth")).toBe(mulDivRound(2n * BigInt(growth.locationMonthlyVnd), 1n, 28n));
  });

  it("treats a change on the first day as a whole month on the new plan", () => {
    const inv = invoice("2026-12", [{ effectiveOn: "2026-01-01", plan: "starter" }, { effectiveOn: "2026-12-01", plan: "chain" }]);
    expect(inv.lines.map((l) => l.plan)).not.toContain("starter");
    expect(amount(inv, "locations")).toBe(2n * BigInt(chain.locationMonthlyVnd));
  });

  it("never loses or invents a đồng when splitting the same price across segments", () => {
    // Same plan re-chosen on several days: the split must still add up to the monthly price within rounding of one đồng per segment.
    const inv = invoice("2026-10", [{ effectiveOn: "2026-10-01", plan: "growth" }, { effectiveOn: "2026-10-08", plan: "chain" }, { effectiveOn: "2026-10-20", plan: "growth" }]);
    const growthDays = 7 + 12;
    const diff = amount(inv, "locations", "growth") - mulDivRound(2n * BigInt(growth.locationMonthlyVnd), BigInt(growthDays), 31n);
    expect(diff >= -1n && diff <= 1n).toBe(true);
  });

  it("prorates the included orders too, so a short segment includes fewer", () => {
    const inv = invoice("2026-11", [{ effectiveOn: "2026-01-01", plan: "starter" }, { effectiveOn: "2026-11-30", plan: "growth" }], [
      { orders: 1_500, gmvVnd: 0n },
      { orders: 300, gmvVnd: 0n },
    ]);
    // starter includes 1500 × 29/30 = 1450 → 50 extra; growth includes 6000 × 1/30 = 200 → 100 extra.
    expect(inv.lines.filter((l) => l.code === "orders").map((l) => l.quantity)).toEqual(["50", "100"]);
  });

  it("charges nothing for days before the subscription starts or after it is cancelled", () => {
    const inv = invoice("2026-11", [{ effectiveOn: "2026-11-21", plan: "growth" }, { effectiveOn: "2026-11-26", plan: CANCELLED }]);
    expect(inv.lines.filter((l) => l.code === "locations").map((l) => [l.from, l.to])).toEqual([["2026-11-21", "2026-11-25"]]);
    expect(amount(inv, "locations")).toBe(mulDivRound(2n * BigInt(growth.locationMonthlyVnd), 5n, 30n));
    expect(invoice("2026-10", [{ effectiveOn: "2026-11-21", plan: "growth" }]).totalVnd).toBe(0n);
  });

  it("refuses a plan missing from the catalogue", () => {
    expect(() => invoice("2026-11", [{ effectiveOn: "2026-01-01", plan: "platinum" }])).toThrow(UnknownPlanError);
  });
});

describe("Given the same inputs twice", () => {
  it("computes an identical invoice with an identical content hash", () => {
    const a = invoice("2026-11", [{ effectiveOn: "2026-01-01", plan: "chain" }], [{ orders: 25_000, gmvVnd: 5_000_000_000n, maxActiveLocations: 7 }]);
    const b = invoice("2026-11", [{ effectiveOn: "2026-01-01", plan: "chain" }], [{ orders: 25_000, gmvVnd: 5_000_000_000n, maxActiveLocations: 7 }]);
    expect(b).toEqual(a);
    const c = invoice("2026-11", [{ effectiveOn: "2026-01-01", plan: "chain" }], [{ orders: 25_001, gmvVnd: 5_000_000_000n, maxActiveLocations: 7 }]);
    expect(c.contentHash).not.toBe(a.contentHash);
  });
});

describe("Given VAT configuration", () => {
  it("applies a configured reduced period by the month's last day, and the standard rate outside it", () => {
    const config = vatConfig({ standardRateBasisPoints: 1_000, reducedPeriods: VIETNAM_REDUCED_VAT_PERIODS });
    expect(vatRateOn(config, "2026-06-30")).toEqual({ rateBasisPoints: 800, legalBasis: expect.stringContaining("204/2025") });
    expect(vatRateOn(config, "2027-01-31").rateBasisPoints).toBe(1_000);
    const inv = invoice("2026-11", [{ effectiveOn: "2026-01-01", plan: "growth" }], [], { activeLocations: 2, staffSeats: 4 }, config);
    expect(inv.vatVnd).toBe(71_840n);
  });

  it("names the field of a bad configuration", () => {
    expect(() => vatConfig({ standardRateBasisPoints: 10.5 })).toThrow(/vat\.standardRateBasisPoints/);
    expect(() => planCatalog([{ ...growth, locationMonthlyVnd: -1 }])).toThrow(/plans\[0\.locationMonthlyVnd\]: must not be negative/);
  });
});

describe("Given money in đồng", () => {
  it("rounds half up and groups thousands with dots", () => {
    expect(mulDivRound(1n, 1n, 2n)).toBe(1n);
    expect(mulDivRound(449_000n, 1n, 31n)).toBe(14_484n); // 14,483.87
    expect(formatVnd(1_234_567n)).toBe("1.234.567 ₫");
    expect(formatVnd(0n)).toBe("0 ₫");
  });
});
