import { describe, expect, it } from "@jest/globals";
import { addDays } from "../forecast/dates.js";
import { gaussian, seededRandom } from "../forecast/testing.js";
import { analyzePricing, type PricePoint } from "./elasticity.js";

function history(elasticity: number, days: number, prices: readonly number[], seed = 4): PricePoint[] {
  const noise = gaussian(seededRandom(seed));
  const weekly = [0.8, 0.7, 0.8, 0.9, 1.1, 1.4, 1.3];
  return Array.from({ length: days }, (_, i) => {
    const price = prices[Math.floor((i * prices.length) / days)]!;
    const quantity = Math.max(1, Math.round(40 * weekly[i % 7]! * (price / 50_000) ** elasticity * Math.exp(0.08 * noise())));
    return { date: addDays("2025-01-05", i), price, quantity };
  });
}

describe("Given 12 weeks of sales at three prices with a planted elasticity of -1.8", () => {
  const result = analyzePricing({ itemId: "pho-bo", unitCost: 20_000, points: history(-1.8, 84, [45_000, 50_000, 55_000]) });

  it("recovers the elasticity within 0.3", () => {
    expect(result.status).toBe("ok");
    expect(result.elasticity!).toBeGreaterThan(-2.1);
    expect(result.elasticity!).toBeLessThan(-1.5);
  });

  it("suggests moving toward the profit-maximising price, at most 10% from the current one", () => {
    // c*e/(1+e) = 20,000 * 1.8/0.8 = 45,000, below the current 55,000: cap at -10%.
    expect(result.suggestedPrice).toBeCloseTo(49_500, 0);
    expect(result.advice.en).toMatch(/price-sensitive/);
    expect(result.advice.vi).toMatch(/nhạy cảm với giá/);
  });
});

describe("Given demand that barely reacts to price (elasticity -0.3)", () => {
  it("advises a capped increase", () => {
    const result = analyzePricing({ itemId: "ca-phe", points: history(-0.3, 84, [20_000, 26_000, 32_000]) });
    expect(result.status).toBe("ok");
    expect(result.elasticity!).toBeGreaterThan(-0.7);
    expect(result.suggestedPrice).toBeCloseTo(35_200, 0);
  });
});

describe("Given price changes that did not move sales at all", () => {
  it("reports the estimate as inconclusive rather than as advice", () => {
    const result = analyzePricing({ itemId: "tra-da", points: history(0, 84, [5_000, 5_500, 6_000], 8) });
    expect(result.status).toBe("inconclusive");
    expect(result.suggestedPrice).toBeUndefined();
  });
});

describe("Given an item that has always had one price", () => {
  it("says there is not enough data instead of inventing an elasticity", () => {
    const result = analyzePricing({ itemId: "banh-mi", points: history(-1, 60, [30_000]) });
    expect(result.status).toBe("not_enough_data");
    expect(result.elasticity).toBeUndefined();
    expect(result.advice.en).toMatch(/Not enough price history/);
    expect(result.advice.vi).toMatch(/Chưa đủ dữ liệu giá/);
  });
});
