// `npm run bench:ml`: the ML pod's accuracy and throughput in one run, against the weekly
// seasonal naive and Prophet on the real pizza data, plus forecasts/s and GetRecommendations
// calls/s against a pod started for the run (and stopped at the end).
import type { Client } from "@grpc/grpc-js";
import { Command } from "commander";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { canConnect, freePort, killGroup, startProcess, waitUntil } from "../../scripts/services/processes.js";
import { cachedRecommendationRequest, countBaskets, dailySeries, MIN_PAIR_ORDERS, readPizzaSales, recommendationRequest } from "../../ml/index.js";
import { CONTENDERS, REFERENCE, rollingOrigin, type AccuracyRow } from "./accuracy.js";
import { pizzaTenantInput } from "./pizza-tenant.js";
import { ECHO_PATH } from "./echo-server.js";
import { encodedRecommendationBytes, forecastsInProcess, forecastsOverGrpc, itemSeriesPool, mlClient, processCpuSeconds, prophetFits, recommendationAnswer, recommendationBodies, recommendationCount, unaryLoad, type LoadResult } from "./throughput.js";

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
  .option("--rounds <n>", "alternating rounds of the repeat call and the echo floor", (v) => Number(v), 3)
  .option("--no-reference", "skip the single-model reference rows")
  .option("--out <file>", "also write the results as JSON")
  .parse();

const opts = program.opts<{ data: string; horizon: number; origins: number; series: number; prophetSeries: number; seconds: number; concurrency: number; rounds: number; reference: boolean; out?: string }>();
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
const input = pizzaTenantInput(lines, sales.end);
// What the cell would send instead of baskets: counts from SQL, without the pairs too rare to ever make a combo.
const counts = countBaskets(input.baskets);
const counted = { ...input, baskets: [], basketCounts: { ...counts, pairs: counts.pairs.filter((p) => p.orders >= MIN_PAIR_ORDERS) } };
const DATA_VERSION = "sales@2015-12-31T23:05:52;menu@1";
const full = recommendationRequest({ ...input, dataVersion: DATA_VERSION });
const cachedOnly = cachedRecommendationRequest("", input.locationId, input.asOf, DATA_VERSION);

type Phase = LoadResult & { name: string; podCpuSeconds: number; requestBytes: number; recommendations: number; load1: number };
const phases: Phase[] = [];
/** Repeat-call rounds: the pod's cached-only phase and the echo floor's, back to back, so both see the same machine load. */
const rounds: Array<{ pod: Phase; floor: Phase }> = [];
let grpcForecast;
const podPort = await freePort();
const echoPort = await freePort();
const pod = startProcess(stateDir, "ml-pod", process.execPath, ["--import", "tsx", "ml/main.ts", "--port", String(podPort), "--host", "127.0.0.1"], { env: { ...process.env, LOG_LEVEL: "warn" } });
let echo: ReturnType<typeof startProcess> | undefined;
try {
  await waitUntil(pod, "ML pod port", () => canConnect(podPort), 30_000);
  const client = mlClient(podPort);
  log("throughput: PredictDemand over gRPC");
  grpcForecast = await forecastsOverGrpc(client, pool, opts.horizon);
  const answerBytes = encodedRecommendationBytes(await recommendationAnswer(client, { ...full, tenantId: "size" }));
  echo = startProcess(stateDir, "echo", process.execPath, ["--import", "tsx", "benchmarks/ml/echo-server.ts", String(echoPort), String(answerBytes)]);
  await waitUntil(echo, "echo server port", () => canConnect(echoPort), 30_000);
  const echoClient = mlClient(echoPort);

  /** One load phase: a second of the same load first (connections, JIT, caches), then `--seconds` measured with the server's CPU. */
  const phase = async (name: string, target: Client, pid: number, path: string, bodyFor: (i: number) => Buffer, requestBytes: number, recommendations: number): Promise<Phase> => {
    log(`GetRecommendations: ${name} ${opts.seconds}s x ${opts.concurrency}`);
    await unaryLoad(target, path, bodyFor, { seconds: 1, concurrency: opts.concurrency });
    const c0 = processCpuSeconds(pid);
    const r = await unaryLoad(target, path, bodyFor, { seconds: opts.seconds, concurrency: opts.concurrency });
    return { ...r, name, podCpuSeconds: processCpuSeconds(pid) - c0, requestBytes, recommendations, load1: loadavg()[0]! };
  };
  const podPhase = async (name: string, request: Record<string, unknown>, tenantFor: (i: number) => string, answeredAs: string) => {
    const bodies = recommendationBodies(request, tenantFor);
    return phase(name, client, pod.pid, bodies.path, bodies.bodyFor, bodies.bytes, await recommendationCount(client, { ...request, tenantId: answeredAs }));
  };

  phases.push(await podPhase("full data, unchanged (baskets, 148 KB)", full, () => "warm", "warm"));
  phases.push(await podPhase("full data, unchanged (basket counts)", recommendationRequest(counted), () => "warm-counts", "warm-counts"));
  phases.push(await podPhase("cold (new tenant per call: every forecast fitted)", full, (i) => `cold-${i}`, "cold-check"));
  // The repeat call needs its answer cached under the version first: one call with the data.
  await recommendationCount(client, { ...full, tenantId: "warm-v" });
  const floorBody = recommendationBodies(cachedOnly, () => "warm-v").bodyFor(0);
  for (let round = 1; round <= opts.rounds; round++) {
    rounds.push({
      pod: await podPhase(`cached-only (data_version, no data: the repeat call), round ${round}`, cachedOnly, () => "warm-v", "warm-v"),
      floor: await phase(`floor: bare grpc-js echo server, same sizes, round ${round}`, echoClient, echo.pid, ECHO_PATH, () => floorBody, floorBody.length, Number.NaN),
    });
  }
  client.close();
  echoClient.close();
} finally {
  await killGroup(pod.pid);
  if (echo) await killGroup(echo.pid);
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
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const repeat = median(rounds.map((r) => r.pod.perSecond));
const floor = median(rounds.map((r) => r.floor.perSecond));
const share = median(rounds.map((r) => r.pod.perSecond / r.floor.perSecond));
const repeatCpu = median(rounds.map((r) => r.pod.calls / r.pod.podCpuSeconds));
out.push(
  "",
  `forecasts in-process: ${opts.series} series in ${inProcess.map((r) => `${r.seconds.toFixed(2)} s wall = ${r.mainThreadCpuSeconds.toFixed(2)} s on CPU + ${r.runQueueSeconds.toFixed(2)} s queued for a CPU + ${r.blockedSeconds.toFixed(2)} s blocked (process CPU ${r.cpuSeconds.toFixed(2)} s)`).join(" / ")} (best ${(1000 / best.perSecond).toFixed(2)} s per 1,000; target < 2 s: ${1000 / best.perSecond < 2 ? "met" : "MISSED"})`,
  `  models ${JSON.stringify(best.models)}`,
  `forecasts via gRPC PredictDemand (one request, pod process): ${grpcForecast!.seconds.toFixed(2)} s (${grpcForecast!.perSecond.toFixed(0)}/s)`,
  `Prophet peer: ${opts.prophetSeries} fits in ${prophet.seconds.toFixed(2)} s wall (${prophet.cpuSeconds.toFixed(2)} s CPU, ${prophet.perSecond.toFixed(1)}/s) — ml-pod/prophet throughput ratio ${(best.perSecond / prophet.perSecond).toFixed(1)}x wall, ${(prophet.cpuSeconds / opts.prophetSeries / (best.cpuSeconds / opts.series)).toFixed(1)}x CPU`,
  "",
  `GetRecommendations, ${opts.concurrency} concurrent callers, ${opts.seconds} s per phase (server CPU from /proc, 1-minute load average at the end of each phase):`,
  "",
  "| phase | request bytes | recommendations | calls/s | server CPU ms/call | calls per server-CPU-second | p50 ms | p99 ms | errors | load |",
  "|---|---|---|---|---|---|---|---|---|---|",
  ...[...phases, ...rounds.flatMap((r) => [r.pod, r.floor])].map(
    (p) =>
      `| ${p.name} | ${p.requestBytes} | ${Number.isNaN(p.recommendations) ? "—" : p.recommendations} | ${p.perSecond.toFixed(p.perSecond < 100 ? 1 : 0)} | ${((1000 * p.podCpuSeconds) / p.calls).toFixed(2)} | ${(p.calls / p.podCpuSeconds).toFixed(0)} | ${p.p50ms.toFixed(1)} | ${p.p99ms.toFixed(1)} | ${p.errors}${p.lastError ? ` (last: ${p.lastError})` : ""} | ${p.load1.toFixed(1)} |`,
  ),
  "",
  `GetRecommendations repeat call (cached_only), median of ${rounds.length} rounds: ${repeat.toFixed(0)} calls/s (${repeatCpu.toFixed(0)} per pod-CPU-second) vs the bare grpc-js floor ${floor.toFixed(0)} calls/s: ${share.toFixed(2)} of the floor; target > 1,000 calls/s per pod: ${repeat > 1000 ? "met" : "MISSED"} in wall-clock calls/s${repeatCpu > 1000 ? `, met per pod-CPU-second` : ""}`,
);
process.stdout.write(out.join("\n") + "\n");
if (opts.out) writeFileSync(opts.out, JSON.stringify({ at: new Date().toISOString(), loadAtStart, loadAtEnd, options: opts, accuracy, inProcess, prophet, grpcForecast, phases, rounds }, null, 2));
