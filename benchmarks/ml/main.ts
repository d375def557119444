// `npm run bench:ml`: the ML pod's accuracy and throughput in one run, against the weekly
// seasonal naive and Prophet on the real pizza data, plus forecasts/s and GetRecommendations
// calls/s against a pod started for the run (and stopped at the end).
import { Command } from "commander";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { canConnect, freePort, killGroup, startProcess, waitUntil } from "../../scripts/services/processes.js";
import { countBaskets, dailySeries, MIN_PAIR_ORDERS, readPizzaSales } from "../../ml/index.js";
import { CONTENDERS, REFERENCE, rollingOrigin, type AccuracyRow } from "./accuracy.js";
import { pizzaTenantInput } from "./pizza-tenant.js";
import { forecastsInProcess, forecastsOverGrpc, itemSeriesPool, mlClient, processCpuSeconds, prophetFits, recommendationLoad, type LoadResult } from "./throughput.js";

const program = new Command()
  .name("bench:ml")
  .description("ML pod benchmark: rolling-origin accuracy (MASE, sMAPE) vs seasonal naive and Prophet on the pizza data; forecasts/s; GetRecommendations calls/s")
  .option("--data <file>", "pizza_sales.csv", resolve(process.cwd(), "../shared/data/pizza_sales.csv"))
  .option("--horizon <days>", "forecast horizon of the backtest", (v) => Number(v), 14)
  .option("--origins <n>", "rolling origins (14 days apart)", (v) => Number(v), 8)
  .option("--series <n>", "item series in the throughput test", (v) => Number(v), 1000)
  .option("--prophet-series <n>", "series Prophet fits in the throughput test", (v) => Number(v), 100)
  .option("--seconds <s>", "duration of each GetRecommendations load phase", (v) => Number(v), 10)
  .option("--concurrency <n>", "concurrent GetRecommendations callers", (v) => Number(v), 8)
  .option("--no-reference", "skip the single-model reference rows")
  .option("--out <file>", "also write the results as JSON")
  .parse();

const opts = program.opts<{ data: string; horizon: number; origins: number; series: number; prophetSeries: number; seconds: number; concurrency: number; reference: boolean; out?: string }>();
const log = (m: string) => process.stderr.write(`[bench:ml] ${m}\n`);

const loadAtStart = loadavg();
const lines = readPizzaSales(opts.data);
const sales = dailySeries(lines);
const items = [...sales.items.values()];
const backtest = { horizon: opts.horizon, origins: opts.origins, step: 14 };

log(`accuracy: ${items.length} items + restaurant, ${opts.origins} origins x ${opts.horizon} days`);
const contenders = opts.reference ? [...CONTENDERS, ...REFERENCE] : CONTENDERS;
const accuracy: AccuracyRow[] = [...rollingOrigin("restaurant", [sales.restaurant], contenders, backtest), ...rollingOrigin("item", items, contenders, backtest)];

log(`throughput: ${opts.series} item series in-process`);
const pool = itemSeriesPool(items, opts.series);
const inProcess = [forecastsInProcess(pool, opts.horizon), forecastsInProcess(pool, opts.horizon)];
log(`throughput: Prophet on ${opts.prophetSeries} of the same series`);
const prophet = prophetFits(pool.slice(0, opts.prophetSeries), opts.horizon);

const stateDir = mkdtempSync(join(tmpdir(), "lsp-bench-ml-"));
const port = await freePort();
const pod = startProcess(stateDir, "ml-pod", process.execPath, ["--import", "tsx", "ml/main.ts", "--port", String(port), "--host", "127.0.0.1"], { env: { ...process.env, LOG_LEVEL: "warn" } });
let grpcForecast;
let warm!: LoadResult & { podCpuSeconds: number };
let cold!: LoadResult & { podCpuSeconds: number };
let warmCounts!: LoadResult & { podCpuSeconds: number };
try {
  await waitUntil(pod, "ML pod port", () => canConnect(port), 30_000);
  const client = mlClient(port);
  log("throughput: PredictDemand over gRPC");
  grpcForecast = await forecastsOverGrpc(client, pool, opts.horizon);
  const input = pizzaTenantInput(lines, sales.end);
  log(`GetRecommendations: warm (one tenant, pod's forecast cache hot) ${opts.seconds}s x ${opts.concurrency}`);
  await recommendationLoad(client, input, { seconds: 1, concurrency: 1, tenantFor: () => "warm" });
  let c0 = processCpuSeconds(pod.pid);
  warm = { ...(await recommendationLoad(client, input, { seconds: opts.seconds, concurrency: opts.concurrency, tenantFor: () => "warm" })), podCpuSeconds: 0 };
  warm.podCpuSeconds = processCpuSeconds(pod.pid) - c0;
  log(`GetRecommendations: warm with basket counts pre-aggregated by the cell ${opts.seconds}s x ${opts.concurrency}`);
  // What the cell would send: counts from SQL, without the pairs too rare to ever make a combo.
  const counts = countBaskets(input.baskets);
  const counted = { ...input, baskets: [], basketCounts: { ...counts, pairs: counts.pairs.filter((p) => p.orders >= MIN_PAIR_ORDERS) } };
  log(`basket counts: ${counts.items.length} items, ${counted.basketCounts.pairs.length} of ${counts.pairs.length} pairs kept`);
  await recommendationLoad(client, counted, { seconds: 1, concurrency: 1, tenantFor: () => "warm" });
  c0 = processCpuSeconds(pod.pid);
  warmCounts = { ...(await recommendationLoad(client, counted, { seconds: opts.seconds, concurrency: opts.concurrency, tenantFor: () => "warm" })), podCpuSeconds: 0 };
  warmCounts.podCpuSeconds = processCpuSeconds(pod.pid) - c0;
  log(`GetRecommendations: cold (a new tenant every call, every forecast fitted) ${opts.seconds}s x ${opts.concurrency}`);
  c0 = processCpuSeconds(pod.pid);
  cold = { ...(await recommendationLoad(client, input, { seconds: opts.seconds, concurrency: opts.concurrency, tenantFor: (i) => `cold-${i}` })), podCpuSeconds: 0 };
  cold.podCpuSeconds = processCpuSeconds(pod.pid) - c0;
  client.close();
} finally {
  await killGroup(pod.pid);
}

const row = (level: string, name: string) => accuracy.find((r) => r.level === level && r.contender === name)!;
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
const out: string[] = [];
const loadAtEnd = loadavg();
out.push(`ML pod benchmark — ${new Date().toISOString()} — node ${process.version} — ${cpus().length} CPUs, load average ${loadAtStart.map((x) => x.toFixed(1)).join("/")} at start, ${loadAtEnd.map((x) => x.toFixed(1)).join("/")} at end (shared machine: throughput figures scale with it)`);
out.push("", "| level | contender | series | cuts | MASE | sMAPE % | 90% PI coverage | seconds |", "|---|---|---|---|---|---|---|---|");
for (const r of accuracy) out.push(`| ${r.level} | ${r.contender} | ${r.series} | ${r.cuts} | ${f3(r.mase)} | ${r.smape.toFixed(2)} | ${f3(r.coverage)} | ${r.seconds.toFixed(2)} |`);
out.push("");
for (const level of ["restaurant", "item"]) {
  const ml = row(level, "ml-pod (auto)");
  const naive = row(level, "seasonal naive");
  const p = row(level, "prophet");
  out.push(`${level}: MASE ml/naive = ${f3(ml.mase / naive.mase)} (target <= 0.8: ${ml.mase / naive.mase <= 0.8 ? "met" : "MISSED"}); ml/prophet = ${f3(ml.mase / p.mase)} (target <= 1: ${ml.mase <= p.mase ? "met" : "MISSED"}); sMAPE ml/prophet = ${f3(ml.smape / p.smape)}`);
}
const best = inProcess.reduce((a, b) => (a.seconds < b.seconds ? a : b));
out.push(
  "",
  `forecasts in-process: ${opts.series} series in ${inProcess.map((r) => `${r.seconds.toFixed(2)} s wall (${r.cpuSeconds.toFixed(2)} s CPU)`).join(" / ")} (best ${best.perSecond.toFixed(0)}/s = ${(1000 / best.perSecond).toFixed(2)} s per 1,000; target < 2 s: ${1000 / best.perSecond < 2 ? "met" : "MISSED"}); models ${JSON.stringify(best.models)}`,
  `forecasts via gRPC PredictDemand (one request, pod process): ${grpcForecast!.seconds.toFixed(2)} s (${grpcForecast!.perSecond.toFixed(0)}/s)`,
  `Prophet peer: ${opts.prophetSeries} fits in ${prophet.seconds.toFixed(2)} s wall (${prophet.cpuSeconds.toFixed(2)} s CPU, ${prophet.perSecond.toFixed(1)}/s) — ml-pod/prophet throughput ratio ${(best.perSecond / prophet.perSecond).toFixed(1)}x wall, ${(prophet.cpuSeconds / opts.prophetSeries / (best.cpuSeconds / opts.series)).toFixed(1)}x CPU`,
  `GetRecommendations warm: ${warm.perSecond.toFixed(0)} calls/s (pod CPU ${((1000 * warm.podCpuSeconds) / warm.calls).toFixed(1)} ms/call = ${(warm.calls / warm.podCpuSeconds).toFixed(0)} calls per pod-CPU-second), p50 ${warm.p50ms.toFixed(1)} ms, p99 ${warm.p99ms.toFixed(1)} ms, errors ${warm.errors}${warm.lastError ? ` (last: ${warm.lastError})` : ""} (target > 1000/s: ${warm.perSecond > 1000 ? "met" : "MISSED"})`,
  `GetRecommendations warm, basket counts instead of baskets: ${warmCounts.perSecond.toFixed(0)} calls/s (pod CPU ${((1000 * warmCounts.podCpuSeconds) / warmCounts.calls).toFixed(1)} ms/call = ${(warmCounts.calls / warmCounts.podCpuSeconds).toFixed(0)} calls per pod-CPU-second), p50 ${warmCounts.p50ms.toFixed(1)} ms, p99 ${warmCounts.p99ms.toFixed(1)} ms, errors ${warmCounts.errors}${warmCounts.lastError ? ` (last: ${warmCounts.lastError})` : ""} (target > 1000/s: ${warmCounts.perSecond > 1000 ? "met" : "MISSED"})`,
  `GetRecommendations cold: ${cold.perSecond.toFixed(1)} calls/s (pod CPU ${((1000 * cold.podCpuSeconds) / cold.calls).toFixed(0)} ms/call), p50 ${cold.p50ms.toFixed(1)} ms, p99 ${cold.p99ms.toFixed(1)} ms, errors ${cold.errors}${cold.lastError ? ` (last: ${cold.lastError})` : ""}`,
);
process.stdout.write(out.join("\n") + "\n");
if (opts.out) writeFileSync(opts.out, JSON.stringify({ at: new Date().toISOString(), loadAtStart, loadAtEnd, options: opts, accuracy, inProcess, prophet, grpcForecast, warm, warmCounts, cold }, null, 2));
