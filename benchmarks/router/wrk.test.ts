import { correctedPause, parseWrk } from "./wrk.js";

// wrk 4.1.0 with --latency, as printed (BENCH_DELAY_MS=2, nginx upstream).
const PACED = `Running 1s test @ http://127.0.0.1:18080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   167.56us   74.38us   1.28ms   77.55%
    Req/Sec    27.52k   307.90    28.12k    70.00%
  Latency Distribution
     50%  148.00us
     75%  219.00us
     90%  248.00us
     99%  364.00us
  27409 requests in 1.00s, 3.92MB read
Requests/sec:  27340.05
Transfer/sec:      3.91MB
`;

describe("parseWrk", () => {
  it("reads the rate, the request count and the percentiles in milliseconds", () => {
    expect(parseWrk(PACED)).toEqual({ rps: 27340.05, requests: 27409, p50Ms: 0.148, p99Ms: 0.364, errors: 0, non2xx: 0 });
  });

  it("adds up socket errors and counts non-2xx answers", () => {
    const out = PACED.replace("Requests/sec", "  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 17\nRequests/sec").replace("99%  364.00us", "99%    2.50ms");
    expect(parseWrk(out)).toMatchObject({ errors: 10, non2xx: 17, p99Ms: 2.5 });
  });

  it("refuses output that is not a wrk report", () => {
    expect(() => parseWrk("wrk: invalid URL")).toThrow(/could not read wrk output/);
  });
});

describe("correctedPause", () => {
  // 64 connections at 32,000 req/s: each connection's cycle (pause + exchange) must be 2 ms.
  it("shortens the pause by the time the exchange adds when the rate fell short", () => {
    // Measured 25,600 req/s = a 2.5 ms cycle at a 2 ms pause: the exchange took 0.5 ms.
    expect(correctedPause(2, 64, 32_000, 25_600)).toBeCloseTo(1.5, 6);
  });

  it("lengthens it when the rate overshot", () => {
    // 40,000 req/s = a 1.6 ms cycle: 0.4 ms too short.
    expect(correctedPause(1.5, 64, 32_000, 40_000)).toBeCloseTo(1.9, 6);
  });

  it("never goes below 0.05 ms, even when the target cannot be reached", () => {
    expect(correctedPause(0.2, 64, 200_000, 30_000)).toBe(0.05);
  });
});
