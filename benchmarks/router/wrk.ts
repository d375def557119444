// Runs wrk with a Lua script that rotates the Host header over every tenant, and parses its report.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface WrkResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export function writeHostsScript(dir: string, hosts: string[]): string {
  const file = join(dir, "hosts.lua");
  writeFileSync(
    file,
    `-- Every request names the next tenant: routing by Host across the whole table.
local hosts = { ${hosts.map((h) => `"${h}"`).join(", ")} }
local requests = {}
local n = 0
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
init = function(args)
  for i = 1, #hosts do requests[i] = wrk.format("GET", "/", { ["Host"] = hosts[i] }) end
end
request = function()
  n = n % #requests + 1
  return requests[n]
end
if pause > 0 then
  -- Randomised pauses keep the connections from firing in lock-step bursts. wrk takes whole
  -- milliseconds; rounding a uniform draw keeps the mean at \`pause\`, fractions included.
  delay = function() return math.floor(pause * (0.25 + 1.5 * math.random()) + 0.5) end
end
`,
  );
  return file;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  if (unit === "us") return n / 1000;
  if (unit === "s") return n * 1000;
  if (unit === "m") return n * 60_000;
  return n;
}

export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!rps) throw new Error(`could not read wrk output:\n${output}`);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(output);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const requests = /(\d+) requests in/.exec(output);
  return {
    rps: Number(rps[1]),
    requests: requests ? Number(requests[1]) : 0,
    p50Ms: pct("50"),
    p99Ms: pct("99"),
    errors: errors ? errors.slice(1).reduce((s, v) => s + Number(v), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

export function runWrk(wrk: string, options: { url: string; script: string; connections: number; durationS: number; delayMs?: number }): Promise<WrkResult> {
  const args = ["-t1", `-c${options.connections}`, `-d${options.durationS}s`, "--latency", "-s", options.script, options.url];
  return new Promise((resolve, reject) => {
    execFile(wrk, args, { env: { ...process.env, BENCH_DELAY_MS: String(options.delayMs ?? 0) }, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      try {
        resolve(parseWrk(stdout));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/**
 * The mean pause per request that paces `connections` closed-loop connections at `rate` req/s.
 * 2 s probes each measure the rate reached and correct the pause, until one lands within 3 % (at
 * most five: the exchange slows as the rate rises, and below ~1.5 ms wrk's millisecond timer makes
 * the pause it keeps differ from the one asked for). Without this every contender ran well under
 * the rate asked for (the router at ~0.44 of its full-load rate instead of 0.5, nginx at ~0.33).
 */
export async function pauseForRate(
  wrk: string,
  options: { url: string; script: string; connections: number },
  rate: number,
  log: (message: string) => void = () => {},
): Promise<number> {
  let pause = (options.connections * 1000) / rate;
  for (let probe = 1; probe <= 5; probe++) {
    const r = await runWrk(wrk, { ...options, durationS: 2, delayMs: pause });
    log(`pacing ${options.url} at ${Math.round(rate)} req/s: probe ${probe}, pause ${pause.toFixed(2)} ms -> ${Math.round(r.rps)} req/s`);
    if (Math.abs(r.rps - rate) <= 0.03 * rate) break;
    pause = correctedPause(pause, options.connections, rate, r.rps);
  }
  return pause;
}

/**
 * A connection's cycle is its pause plus the exchange itself: the pause that gives the wanted
 * cycle is this one moved by what the measured cycle is off (never below 0.05 ms).
 */
export function correctedPause(pauseMs: number, connections: number, wantedRps: number, measuredRps: number): number {
  const wantedCycleMs = (connections * 1000) / wantedRps;
  const measuredCycleMs = (connections * 1000) / Math.max(1, measuredRps);
  return Math.max(0.05, pauseMs + wantedCycleMs - measuredCycleMs);
}
