// Runs fortio at a fixed rate with evenly spread requests, for latency at half load.
//
// Why not wrk for this: wrk's `delay()` is a millisecond timer, so every paced connection that is
// due is released at the same millisecond tick. At half load a proxy then gets half a
// millisecond of work in one burst every millisecond: fully loaded half the time, idle the rest,
// and the added p99 it reports is mostly the burst's own length. fortio paces each connection
// with its own timer at microsecond resolution and `-uniform` spreads the connections' start
// times, so the requests arrive at the requested rate the way independent clients' do. It is
// the load generator Istio's latency measurements use. wrk still measures throughput, and its
// bursty half-load figure is reported next to this one. Run with GOMAXPROCS=1: one thread, like
// `wrk -t1`, so the load generator takes no more of the two vCPUs than before.
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { WrkResult } from "./wrk.js";

/** The parts of fortio's `-json` report this benchmark reads. */
export interface FortioReport {
  ActualQPS: number;
  DurationHistogram: { Count: number; Percentiles?: { Percentile: number; Value: number }[] };
  RetCodes?: Record<string, number>;
}

export function parseFortio(report: FortioReport): WrkResult {
  const percentile = (p: number) => {
    const found = report.DurationHistogram.Percentiles?.find((x) => x.Percentile === p);
    return found ? found.Value * 1000 : NaN;
  };
  const codes = report.RetCodes ?? {};
  const ok = codes["200"] ?? 0;
  const answered = Object.entries(codes).reduce((sum, [code, n]) => sum + (code === "-1" ? 0 : n), 0);
  return {
    rps: report.ActualQPS,
    requests: report.DurationHistogram.Count,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    // fortio files transport errors (refused, reset, timed out) under the pseudo status -1.
    errors: codes["-1"] ?? 0,
    non2xx: answered - ok,
  };
}

export function runFortio(
  fortio: string,
  options: { url: string; host: string; rate: number; connections: number; durationS: number; dir: string; /** taskset list to run fortio on */ cpus?: string },
): Promise<WrkResult> {
  const jsonFile = join(options.dir, `fortio-${process.pid}-${Date.now()}.json`);
  const args = [
    "load",
    "-quiet",
    "-qps",
    options.rate.toFixed(0),
    "-c",
    String(options.connections),
    "-uniform",
    "-t",
    `${options.durationS}s`,
    // Resolution 10 µs (the default 1 ms would round every figure we care about). fortio's
    // buckets widen with the value: 10 µs up to 0.11 ms, 100 µs from 0.6 to 1 ms, 200 µs from
    // 1 to 2 ms, with linear interpolation inside a bucket, so a p99 near 1 ms is good to ~±0.1 ms.
    "-r",
    "0.00001",
    "-p",
    "50,99",
    "-H",
    `Host: ${options.host}`,
    "-json",
    jsonFile,
    options.url,
  ];
  return new Promise((resolvePromise, reject) => {
    const [command, commandArgs] = options.cpus === undefined ? [fortio, args] : ["taskset", ["-c", options.cpus, fortio, ...args]];
    execFile(command, commandArgs, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GOMAXPROCS: "1" } }, (error, _stdout, stderr) => {
      try {
        if (error) throw new Error(`fortio failed: ${error.message}\n${stderr}`);
        resolvePromise(parseFortio(JSON.parse(readFileSync(jsonFile, "utf8")) as FortioReport));
      } catch (e) {
        reject(e as Error);
      } finally {
        rmSync(jsonFile, { force: true });
      }
    });
  });
}
