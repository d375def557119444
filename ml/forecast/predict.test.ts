import { describe, expect, it } from "@jest/globals";
import { addDays, toDayNumber } from "./dates.js";
import { forecastSeries } from "./predict.js";
import { selectModel } from "./select.js";
import { weeklySeries } from "./testing.js";

const WEEKLY = [0.7, 0.8, 0.9, 1.0, 1.2, 1.6, 1.8];

describe("Given a clean weekly series", () => {
  const values = weeklySeries(120, 50, WEEKLY, 2, 5);

  it("chooses an ETS model (plain or log scale: the planted week is multiplicative) over the seasonal naive by backtest", () => {
    const s = selectModel(values, { horizon: 14 });
    expect(s.model).toMatch(/^ets(_log)?$/);
    expect(s.backtestMase).toBeLessThan(1);
  });

  it("forecasts dated days after the last observation, with the interval around the point", () => {
    const f = forecastSeries({ start: "2025-03-01", values }, { horizon: 3 });
    expect(f.days.map((d) => d.date)).toEqual([addDays("2025-03-01", 120), addDays("2025-03-01", 121), addDays("2025-03-01", 122)]);
    for (const d of f.days) {
      expect(d.lower).toBeLessThanOrEqual(d.point);
      expect(d.upper).toBeGreaterThanOrEqual(d.point);
      expect(d.closed).toBe(false);
    }
  });

  it("marks a day the owner declared closed", () => {
    const closedDay = addDays("2025-03-01", 121);
    const f = forecastSeries({ start: "2025-03-01", values }, { horizon: 3, closedDates: new Set([closedDay]) });
    expect(f.days[1]).toMatchObject({ date: closedDay, closed: true, point: 0 });
  });

  it("rejects a horizon beyond 28 days, naming the limit", () => {
    expect(() => forecastSeries({ start: "2025-03-01", values }, { horizon: 29 })).toThrow(/horizon must be an integer from 1 to 28/);
  });
});

describe("Given two years of sales with Tết closures and a pre-Tết rush", () => {
  // 2024-01-01 .. 2025-01-20: Tết 2024 was 10 Feb; the forecast window covers Tết 2025 (29 Jan).
  const start = "2024-01-01";
  const end = "2025-01-20";
  const days = toDayNumber(end) - toDayNumber(start) + 1;
  const values = weeklySeries(days, 100, WEEKLY, 3, 9);
  const tet2024 = toDayNumber("2024-02-10") - toDayNumber(start);
  for (let k = -7; k <= -1; k++) values[tet2024 + k]! *= 1.5;
  for (let k = 0; k <= 2; k++) values[tet2024 + k] = Number.NaN;

  const f = forecastSeries({ start, values }, { horizon: 14 });
  const byDate = new Map(f.days.map((d) => [d.date, d]));

  it("forecasts the first three days of Tết 2025 as closed", () => {
    for (const date of ["2025-01-29", "2025-01-30", "2025-01-31"]) expect(byDate.get(date)).toMatchObject({ closed: true, holiday: "tet" });
  });

  it("lifts the days before Tết by roughly the rush seen last year", () => {
    const rush = byDate.get("2025-01-27")!;
    const normal = forecastSeries({ start, values }, { horizon: 14, holidays: false }).days.find((d) => d.date === "2025-01-27")!;
    expect(rush.point / normal.point).toBeGreaterThan(1.3);
    expect(rush.point / normal.point).toBeLessThan(1.7);
  });

  it("does not let the closure pull ordinary days down", () => {
    const ordinary = byDate.get("2025-01-21")!;
    expect(ordinary.holiday).toBeUndefined();
    expect(ordinary.point).toBeGreaterThan(0.85 * 100 * WEEKLY[(days) % 7]!);
  });
});

describe("Given fourteen months of sales spanning New Year 2024", () => {
  const start = "2023-11-01";
  const days = toDayNumber("2024-12-20") - toDayNumber(start) + 1;
  const newYear2024 = toDayNumber("2024-01-01") - toDayNumber(start);

  it("applies no holiday factor when the restaurant traded normally on the holiday", () => {
    const values = weeklySeries(days, 100, WEEKLY, 3, 12);
    const f = forecastSeries({ start, values }, { horizon: 14 });
    expect(f.days.find((d) => d.date === "2025-01-01")!.holiday).toBeUndefined();
  });

  it("forecasts New Year's Day closed when the restaurant closed on it last year", () => {
    const values = weeklySeries(days, 100, WEEKLY, 3, 12);
    values[newYear2024] = Number.NaN;
    const f = forecastSeries({ start, values }, { horizon: 14 });
    expect(f.days.find((d) => d.date === "2025-01-01")).toMatchObject({ closed: true, holiday: "new_year", point: 0 });
  });
});
