import { parseFortio, type FortioReport } from "./fortio.js";

// The fields this benchmark reads from a fortio 1.66.0 `-json` report, as written (1,000 qps,
// 4 connections, through the router).
const REPORT: FortioReport = {
  ActualQPS: 996.3528077042279,
  DurationHistogram: {
    Count: 1000,
    Percentiles: [
      { Percentile: 50, Value: 0.00019267175572519084 },
      { Percentile: 99, Value: 0.0010571428571428578 },
    ],
  },
  RetCodes: { "200": 1000 },
};

describe("parseFortio", () => {
  it("reads the rate, the request count and the percentiles in milliseconds", () => {
    const r = parseFortio(REPORT);
    expect(r).toMatchObject({ rps: 996.3528077042279, requests: 1000, errors: 0, non2xx: 0 });
    expect(r.p50Ms).toBeCloseTo(0.19267, 5);
    expect(r.p99Ms).toBeCloseTo(1.05714, 5);
  });

  it("counts transport errors (status -1) apart from answers that were not 200", () => {
    expect(parseFortio({ ...REPORT, RetCodes: { "200": 990, "503": 4, "-1": 6 } })).toMatchObject({ errors: 6, non2xx: 4 });
  });

  it("reports a missing percentile as NaN rather than zero", () => {
    expect(parseFortio({ ...REPORT, DurationHistogram: { Count: 0 } }).p99Ms).toBeNaN();
  });
});
