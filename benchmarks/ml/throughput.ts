// Throughput: item-series forecasts per second (in-process and through a pod's gRPC API, with
// Prophet fitted on the same series as the peer) and GetRecommendations calls per second
// against a separate pod process under concurrent load.
import { readFileSync } from "node:fs";
import { credentials, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import { forecastSeries, mlServiceConstructor, toDayNumber, type DailySeries } from "../../ml/index.js";
import { prophetForecast } from "./prophet-peer.js";

export function itemSeriesPool(items: readonly DailySeries[], count: number): DailySeries[] {
  // Scaled copies of the real item series: same shapes, distinct values, so no cache can help.
  return Array.from({ length: count }, (_, i) => {
    const base = items[i % items.length]!;
    const scale = 1 + Math.floor(i / items.length) * 0.1;
    return { start: base.start, values: base.values.map((v) => v * scale) };
  });
}

/** CPU seconds (user + system) this process has used; unlike wall time, barely moved by other tenants of the machine. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds a process has used, from /proc (Linux): utime + stime in clock ticks. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** sysconf(_SC_CLK_TCK); 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/**
 * The main thread's time on a CPU and time runnable but waiting for one (Linux schedstat, ns).
 * Wall time minus both is time spent blocked (I/O, timers, awaits): where a wall clock goes.
 */
function schedstat(): { onCpu: number; waiting: number } {
  const [onCpu = 0, waiting = 0] = readFileSync("/proc/thread-self/schedstat", "utf8").trim().split(" ").map(Number);
  return { onCpu: onCpu / 1e9, waiting: waiting / 1e9 };
}

export interface InProcessResult {
  seconds: number;
  cpuSeconds: number;
  /** Of the wall time: main thread on a CPU, runnable but queued behind other processes, and the rest (blocked). */
  mainThreadCpuSeconds: number;
  runQueueSeconds: number;
  blockedSeconds: number;
  perSecond: number;
  models: Record<string, number>;
}

export function forecastsInProcess(series: readonly DailySeries[], horizon: number): InProcessResult {
  const models: Record<string, number> = {};
  const c0 = cpuSeconds();
  const s0 = schedstat();
  const t0 = performance.now();
  for (const s of series) {
    const f = forecastSeries(s, { horizon });
    const key = f.combinedWith ? `${f.model}+${f.combinedWith}` : f.model;
    models[key] = (models[key] ?? 0) + 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  const s1 = schedstat();
  const mainThreadCpuSeconds = s1.onCpu - s0.onCpu;
  const runQueueSeconds = s1.waiting - s0.waiting;
  return { seconds, cpuSeconds: cpuSeconds() - c0, mainThreadCpuSeconds, runQueueSeconds, blockedSeconds: Math.max(0, seconds - mainThreadCpuSeconds - runQueueSeconds), perSecond: series.length / seconds, models };
}

export function prophetFits(series: readonly DailySeries[], horizon: number): { seconds: number; cpuSeconds: number; perSecond: number } {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  for (const s of series) prophetForecast(toDayNumber(s.start), s.values, horizon, 0.9);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpuSeconds: cpuSeconds() - c0, perSecond: series.length / seconds };
}

type Unary = (request: unknown, metadata: Metadata, options: { deadline: number }, callback: (err: ServiceError | null, response: unknown) => void) => void;

function unary(client: Client, method: string, request: unknown, timeoutMs: number): Promise<unknown> {
  const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
  return new Promise((resolve, reject) => fn(request, new Metadata(), { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r))));
}

export function mlClient(port: number): Client {
  const Ctor = mlServiceConstructor();
  return new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.max_send_message_length": 64 * 1024 * 1024, "grpc.max_receive_message_length": 64 * 1024 * 1024 });
}

export async function forecastsOverGrpc(client: Client, series: readonly DailySeries[], horizon: number): Promise<{ seconds: number; perSecond: number }> {
  const request = { tenantId: `bench-${Date.now()}`, horizonDays: horizon, series: series.map((s, i) => ({ seriesId: `item-${i}`, locationId: "main", start: s.start, values: s.values })) };
  const t0 = performance.now();
  const res = (await unary(client, "PredictDemand", request, 120_000)) as { forecasts: unknown[] };
  const seconds = (performance.now() - t0) / 1000;
  if (res.forecasts.length !== series.length) throw new Error(`expected ${series.length} forecasts, got ${res.forecasts.length}`);
  return { seconds, perSecond: series.length / seconds };
}

export interface LoadResult {
  calls: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  lastError?: string;
}

/** Protobuf field 1 (tenant_id, length-delimited), appended to a pre-encoded body: the last occurrence of a scalar field wins. */
function tenantField(tenantId: string): Buffer {
  const bytes = Buffer.from(tenantId, "utf8");
  if (bytes.length > 127) throw new RangeError("benchmark tenant ids must be under 128 bytes");
  return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
}

const GET_RECOMMENDATIONS = () => mlServiceConstructor().service.GetRecommendations!;

/**
 * GetRecommendations bodies, encoded once: the load generator shares the machine's two cores
 * with the pod, and re-encoding a 150 KB request per call (~7 ms) would measure the generator.
 * `tenantFor(i)` picks each call's tenant (a new one per call = every forecast fitted).
 */
export function recommendationBodies(request: Record<string, unknown>, tenantFor: (call: number) => string): { path: string; bodyFor: (call: number) => Buffer; bytes: number } {
  const definition = GET_RECOMMENDATIONS();
  const body = definition.requestSerialize({ ...request, tenantId: "" });
  return { path: definition.path, bodyFor: (i) => Buffer.concat([body, tenantField(tenantFor(i))]), bytes: body.length };
}

export function recommendationAnswer(client: Client, request: Record<string, unknown>): Promise<{ recommendations: unknown[] }> {
  return unary(client, "GetRecommendations", request, 30_000) as Promise<{ recommendations: unknown[] }>;
}

/** Decodes one answer, so a phase is known to return real advice and not, say, an empty list. */
export async function recommendationCount(client: Client, request: Record<string, unknown>): Promise<number> {
  return (await recommendationAnswer(client, request)).recommendations.length;
}

/** Encoded size of an answer, for sizing the echo floor's response like the real one. */
export function encodedRecommendationBytes(response: unknown): number {
  return GET_RECOMMENDATIONS().responseSerialize(response).length;
}

/**
 * `concurrency` callers in a closed loop for `seconds` on one unary method, raw bytes in and
 * out: answers are not decoded (the caller's decode would compete with the server for CPU).
 */
export async function unaryLoad(client: Client, path: string, bodyFor: (call: number) => Buffer, options: { seconds: number; concurrency: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let calls = 0;
  let errors = 0;
  let lastError = "";
  const end = performance.now() + options.seconds * 1000;
  const t0 = performance.now();
  const identity = (b: Buffer) => b;
  const once = (body: Buffer) =>
    new Promise<void>((resolve, reject) => client.makeUnaryRequest(path, identity, identity, body, new Metadata(), { deadline: Date.now() + 10_000 }, (err) => (err ? reject(err) : resolve())));
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < end) {
        const n = calls++;
        const start = performance.now();
        try {
          await once(bodyFor(n));
          latencies.push(performance.now() - start);
        } catch (err) {
          errors++;
          lastError = (err as Error).message;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { calls: latencies.length, errors, ...(lastError ? { lastError } : {}), seconds, perSecond: latencies.length / seconds, p50ms: q(0.5), p99ms: q(0.99) };
}
