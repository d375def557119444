// `bench:router --own-vcpu` (diagnostic): one contender alone on a vCPU for its evenly paced
// latency runs, with the load generator, the upstream and every other process on the rest — the
// layout of a proxy on its own machine, approximated on one.
//
// Why it exists: on a 2-vCPU machine the load generator, the proxy and the upstream are three busy
// processes on two vCPUs, and the wait for a time slice could land in the proxy's tail. A hand
// measurement suggested so (13:35 UTC on 2026-11-22, router +p99 0.60 / 0.58 ms alone against
// 1.09 / 1.00 ms shared), but the two full benchmark runs that measured it for every contender
// (runs T and U) did not: alone on a vCPU, the router added 1.21 / 1.18 ms (shared 1.01 / 1.24)
// and nginx 1.47 / 1.09 ms (shared 0.92 / 0.96). On this machine the tail is not the load
// generator's doing, so the default run leaves it out; docs/benchmarks/router.md has the figures.
import { execFileSync } from "node:child_process";

/** The vCPUs for the contender and for everything else, as taskset lists ("1", "0,2-3"). */
export interface CpuSplit {
  contender: string;
  rest: string;
  /** What everything may use when not isolated (this process's affinity), for restoring. */
  all: string;
}

/** Parses a taskset/cpuset list ("0-2,5") into sorted vCPU numbers. */
export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  for (const part of list.trim().split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`cannot read CPU list '${list}' (part '${part}')`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`cannot read CPU list '${list}': range '${part}' runs backwards`);
    for (let c = from; c <= to; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/**
 * The last allowed vCPU for the contender, the others for the load generator and the upstream;
 * undefined when there is only one vCPU (nothing to isolate on).
 */
export function splitCpus(allowed: number[]): CpuSplit | undefined {
  if (allowed.length < 2) return undefined;
  return { contender: String(allowed.at(-1)), rest: allowed.slice(0, -1).join(","), all: allowed.join(",") };
}

/** The vCPUs this process may run on (`taskset -p` reads its affinity). */
export function allowedCpus(pid = process.pid): number[] {
  const out = execFileSync("taskset", ["-c", "-p", String(pid)], { encoding: "utf8" });
  // "pid 123's current affinity list: 0,1"
  const list = out.slice(out.lastIndexOf(":") + 1);
  return parseCpuList(list);
}

/** Moves every thread of a process (-a: V8's and libuv's helper threads too) to these vCPUs. */
export function setAffinity(pid: number, cpus: string): void {
  execFileSync("taskset", ["-a", "-c", "-p", cpus, String(pid)], { stdio: "ignore" });
}

/**
 * Runs `fn` with the contender alone on its vCPU: every other process of the benchmark (the
 * upstream, the idle contenders, whose timers and idle-time garbage collection would otherwise
 * land on that vCPU too) moved to the rest. Restores everyone's affinity after.
 */
export async function withContenderIsolated<T>(split: CpuSplit, contenderPid: number, otherPids: number[], fn: () => Promise<T>): Promise<T> {
  const others = otherPids.filter((p) => p !== contenderPid);
  for (const pid of others) setAffinity(pid, split.rest);
  setAffinity(contenderPid, split.contender);
  try {
    return await fn();
  } finally {
    // Every process gets its affinity back even if one has exited (a crashed contender is
    // usually why `fn` threw, and that error is the one to see, not taskset's).
    for (const pid of [contenderPid, ...others]) {
      try {
        setAffinity(pid, split.all);
      } catch {
        // gone: nothing to restore
      }
    }
  }
}
