import { describe, expect, it } from "@jest/globals";
import { concurrencyLimit } from "./concurrency-limit.js";

describe("Given a concurrency limit of 2", () => {
  it("runs at most two pieces of work at once, the rest in the order they came, and survives failures", async () => {
    const limit = concurrencyLimit(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const work = (i: number) =>
      limit.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        order.push(i);
        if (i === 1) throw new Error("work 1 failed");
        return i;
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(work));
    expect(most).toBe(2);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    expect(order.slice(2)).toEqual([2, 3, 4, 5]);
    expect([limit.active, limit.waiting]).toEqual([0, 0]);
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    expect(() => concurrencyLimit(0)).toThrow("at least 1");
  });
});
