// Load generation against a cell API over HTTP (undici keep-alive pool): an open-loop generator
// that sends at a fixed rate and measures latency from each request's scheduled start (so a slow
// server cannot hide queueing), and a closed-loop one for maximum throughput.
import { Pool } from "undici";

export interface LatencySummary {
  /** Open loop only: how late the generator itself sent (p95, ms); large values mean the load
   * generator was starved of CPU and part of the latency is the client's, not the server's. */
  senderLagP95?: number;
  requests: number;
  errors: number;
  achievedRate: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export type Send = (pool: Pool, i: number) => Promise<boolean>;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarize(latencies: number[], errors: number, seconds: number): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    achievedRate: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

export async function openLoop(base: string, rate: number, seconds: number, send: Send): Promise<LatencySummary> {
  const pool = new Pool(base, { connections: 32, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  const lags: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = start + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    lags.push(performance.now() - scheduled);
    inFlight.push(
      send(pool, i).then(
        (ok) => {
          if (ok) latencies.push(performance.now() - scheduled);
          else errors++;
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  return { ...summarize(latencies, errors, elapsed), senderLagP95: percentile(lags.sort((a, b) => a - b), 95) };
}

export async function closedLoop(base: string, concurrency: number, seconds: number, send: Send): Promise<LatencySummary> {
  const pool = new Pool(base, { connections: concurrency, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        const ok = await send(pool, i).catch(() => false);
        if (ok) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  return summarize(latencies, errors, elapsed);
}

/** Times `fn` `count` times sequentially (for direct SQL comparisons). */
export async function timeEach(count: number, fn: (i: number) => Promise<unknown>): Promise<LatencySummary> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn(i);
    latencies.push(performance.now() - t0);
  }
  return summarize(latencies, 0, (performance.now() - start) / 1000);
}
