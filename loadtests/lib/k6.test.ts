import { describe, expect, it } from "@jest/globals";
import { busyMachineSlack, describeLoad, k6Environment } from "./k6.js";

const target = { tenantUrl: "http://pho.localhost:8080", accessToken: "t", locationId: "l", menuItemId: "m" };

describe("Given the machine's load average", () => {
  it("keeps the objectives as stated up to one runnable task per core", () => {
    expect([busyMachineSlack(0.3, 2), busyMachineSlack(2, 2)]).toEqual([1, 1]);
  });

  it("stretches latency objectives by load per core above that, to one decimal", () => {
    expect([busyMachineSlack(5, 2), busyMachineSlack(17.59, 2)]).toEqual([2.5, 8.8]);
  });

  it("describes the load the way recorded figures quote it", () => {
    expect(describeLoad([2.351, 1.5, 12], 2)).toBe("load average 2.35 1.50 12.00 (2 cores)");
  });
});

describe("Given run options", () => {
  it("passes the latency slack to k6 as THRESHOLD_SCALE, 1 by default", () => {
    expect(k6Environment({ profile: "smoke", target, resultFile: "/tmp/r.json" }).THRESHOLD_SCALE).toBe("1");
    expect(k6Environment({ profile: "smoke", target, resultFile: "/tmp/r.json", thresholdScale: 2.5 }).THRESHOLD_SCALE).toBe("2.5");
  });
});
