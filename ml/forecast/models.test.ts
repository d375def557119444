import { describe, expect, it } from "@jest/globals";
import { ets } from "./ets.js";
import { croston, tsb, zeroShare } from "./intermittent.js";
import { mase, smape } from "./metrics.js";
import { mstlEts } from "./mstl.js";
import { seasonalNaive } from "./seasonal-naive.js";
import { seededRandom, weeklySeries } from "./testing.js";

// Monday-heavy... Sunday-heavy week, as a restaurant's: quiet early week, busy weekend.
const WEEKLY = [0.7, 0.8, 0.9, 1.0, 1.2, 1.6, 1.8];

describe("Given a series with a planted weekly pattern and mild noise", () => {
  const values = weeklySeries(140, 100, WEEKLY, 4, 7);
  const truth = Array.from({ length: 14 }, (_, h) => 100 * WEEKLY[(140 + h) % 7]!);

  it("ETS recovers the weekly shape within 5% of the truth", () => {
    const f = ets(values, 14, 0.9);
    f.point.forEach((p, h) => expect(Math.abs(p - truth[h]!) / truth[h]!).toBeLessThan(0.05));
  });

  it("MSTL+ETS recovers the weekly shape within 5% of the truth", () => {
    const f = mstlEts(values, 14, 0.9);
    f.point.forEach((p, h) => expect(Math.abs(p - truth[h]!) / truth[h]!).toBeLessThan(0.05));
  });

  it("puts the truth inside ETS's 90% interval and keeps the interval narrow", () => {
    const f = ets(values, 14, 0.9);
    truth.forEach((t, h) => {
      expect(f.lower[h]).toBeLessThan(t);
      expect(f.upper[h]).toBeGreaterThan(t);
      expect(f.upper[h]! - f.lower[h]!).toBeLessThan(40);
    });
  });

  it("ETS beats the seasonal naive on the planted pattern", () => {
    expect(mase(truth, ets(values, 14, 0.9).point, values)).toBeLessThan(mase(truth, seasonalNaive(values, 14, 0.9).point, values));
  });
});

describe("Given a history with closed days (missing, not zero)", () => {
  it("forecasts the normal level instead of being dragged toward zero", () => {
    const values = weeklySeries(84, 100, WEEKLY, 2, 3);
    for (const i of [70, 71, 72, 73]) values[i] = Number.NaN;
    const f = ets(values, 7, 0.9);
    const truth = Array.from({ length: 7 }, (_, h) => 100 * WEEKLY[(84 + h) % 7]!);
    expect(smape(truth, f.point)).toBeLessThan(6);
  });

  it("seasonal naive borrows the same weekday from the week before a closure", () => {
    const values = weeklySeries(28, 100, WEEKLY, 0, 1);
    values[21] = Number.NaN;
    expect(seasonalNaive(values, 1, 0.9).point[0]).toBeCloseTo(100 * WEEKLY[0]!, 6);
  });
});

describe("Given an intermittent item that sells on about one day in four", () => {
  const random = seededRandom(11);
  const values = Array.from({ length: 120 }, () => (random() < 0.25 ? 4 : 0));

  it("is recognised as intermittent", () => {
    expect(zeroShare(values)).toBeGreaterThan(0.6);
  });

  it("Croston and TSB forecast a flat rate near the true mean of 1 per day", () => {
    for (const f of [croston(values, 7, 0.9), tsb(values, 7, 0.9)]) {
      expect(new Set(f.point).size).toBe(1);
      expect(f.point[0]).toBeGreaterThan(0.6);
      expect(f.point[0]).toBeLessThan(1.4);
    }
  });

  it("TSB lowers the rate after the item stops selling, Croston does not", () => {
    const stopped = [...values, ...new Array<number>(40).fill(0)];
    expect(tsb(stopped, 1, 0.9).point[0]).toBeLessThan(0.5 * tsb(values, 1, 0.9).point[0]!);
    expect(croston(stopped, 1, 0.9).point[0]).toBeCloseTo(croston(values, 1, 0.9).point[0]!, 6);
  });
});

describe("Given accuracy metrics", () => {
  it("MASE is 1 for a forecast exactly as wrong as the in-sample seasonal naive", () => {
    const train = [1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8];
    expect(mase([10, 10], [11, 9], train)).toBeCloseTo(1, 9);
  });

  it("sMAPE skips missing days and scores 0/0 as exact", () => {
    expect(smape([Number.NaN, 0, 100], [5, 0, 100])).toBe(0);
    expect(smape([100], [300])).toBeCloseTo(100, 9);
  });
});
