// Runs a measured phase and charges the CPU every part of the system spent during it to the
// phase's requests: the cell process (its own /metrics), Postgres (postmaster and backends),
// Redis and the load generator. Their sum bounds the rate the machine could sustain alone.
import { cpus } from "node:os";
import type { LatencySummary } from "./load.js";

/** A cumulative CPU-seconds counter for one part of the system. */
export type CpuMeter = () => number | Promise<number>;

export interface CpuBreakdown {
  /** CPU ms per request, by part (cell, postgres, redis, loadGenerator) and in total. */
  perRequestMs: Record<string, number> & { total: number };
  /** Requests per second the machine's cores could serve if this workload had them alone. */
  cpuBoundRate: number;
}

export type MeteredSummary = LatencySummary & { cpuMsPerRequest: number; cpu: CpuBreakdown };

export async function metered(meters: Record<string, CpuMeter> & { cell: CpuMeter }, phase: () => Promise<LatencySummary>): Promise<MeteredSummary> {
  const read = async () => Object.fromEntries(await Promise.all(Object.entries(meters).map(async ([part, meter]) => [part, await meter()] as const)));
  const before = await read();
  const summary = await phase();
  const after = await read();
  const requests = Math.max(1, summary.requests + summary.errors);
  const perRequestMs: Record<string, number> = {};
  let total = 0;
  for (const part of Object.keys(meters)) {
    perRequestMs[part] = ((after[part]! - before[part]!) * 1000) / requests;
    total += perRequestMs[part];
  }
  return {
    ...summary,
    cpuMsPerRequest: perRequestMs.cell!,
    cpu: { perRequestMs: { ...perRequestMs, total }, cpuBoundRate: (cpus().length * 1000) / total },
  };
}

export function formatCpu(cpu: CpuBreakdown): string {
  const parts = Object.entries(cpu.perRequestMs)
    .filter(([part]) => part !== "total")
    .map(([part, ms]) => `${part} ${ms.toFixed(2)}`);
  return `CPU ms/req: ${parts.join(", ")}, total ${cpu.perRequestMs.total.toFixed(2)} -> CPU-bound ceiling ${cpu.cpuBoundRate.toFixed(0)}/s on ${cpus().length} cores`;
}
