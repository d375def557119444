// Runs against the real pizza export in ../shared/data (kept out of git). Missing file = failure:
// this test exists to prove the forecaster on real sales.
import { describe, expect, it } from "@jest/globals";
import { resolve } from "node:path";
import { forecastSeries } from "../forecast/predict.js";
import { MODELS } from "../forecast/select.js";
import { backtest } from "../forecast/backtest.js";
import { readPizzaSales } from "./pizza-sales.js";
import { dailySeries } from "./pizza-series.js";

const CSV = process.env.LSP_PIZZA_CSV ?? resolve(process.cwd(), "../shared/data/pizza_sales.csv");

describe("Given the real 2015 pizza sales", () => {
  const lines = readPizzaSales(CSV);
  const sales = dailySeries(lines);

  it("reads all 48,620 lines, 91 items and 358 trading days of 2015", () => {
    expect(lines).toHaveLength(48_620);
    expect(sales.items.size).toBe(91);
    expect(sales.openDays.size).toBe(358);
    expect([sales.start, sales.end]).toEqual(["2015-01-01", "2015-12-31"]);
  });

  it("keeps the closed days missing rather than zero", () => {
    const missing = sales.restaurant.values.filter((v) => Number.isNaN(v)).length;
    expect(missing).toBe(365 - 358);
  });

  it("beats the weekly seasonal naive at restaurant level over four 14-day cuts", () => {
    const opts = { horizon: 14, origins: 4, step: 14 };
    const auto = backtest(sales.restaurant.values, (train, h) => {
      const f = forecastSeries({ start: sales.start, values: [...train] }, { horizon: h });
      return { point: f.days.map((d) => d.point), lower: f.days.map((d) => d.lower), upper: f.days.map((d) => d.upper) };
    }, opts);
    const naive = backtest(sales.restaurant.values, MODELS.seasonal_naive, opts);
    const mean = (xs: { mase: number }[]) => xs.reduce((a, s) => a + s.mase, 0) / xs.length;
    expect(mean(auto)).toBeLessThan(0.9 * mean(naive));
  });
});
