// CPU time spent by each part of the write path (cell process, Postgres, Redis, the load
// generator itself), read from the kernel's and Redis's own counters. On a machine shared with
// other work, CPU per operation stays steady where throughput and latency do not, and the parts'
// sum bounds what the machine could do if the benchmark had it to itself.
import { readdirSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";

const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime of the process itself, seconds. */
  own: number;
  /** cutime + cstime: children it has reaped, seconds. */
  reaped: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; fields after it are fixed.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const n = (i: number) => Number(fields[i - 3]);
  return { ppid: n(4), own: (n(14) + n(15)) / TICKS_PER_SECOND, reaped: (n(16) + n(17)) / TICKS_PER_SECOND };
}

/**
 * CPU seconds used so far by a process and all its descendants, live or exited: Postgres forks a
 * backend per connection and the postmaster reaps them, so exited backends count through it.
 */
export function processTreeCpuSeconds(rootPid: number): number {
  const root = readStat(rootPid);
  if (!root) throw new Error(`process ${rootPid} is not running`);
  const children = new Map<number, number[]>();
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    stats.set(pid, stat);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  let total = root.own + root.reaped;
  const pending = [...(children.get(rootPid) ?? [])];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    total += stats.get(pid)?.own ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** The postmaster's pid, from the data directory the server reports (needs a superuser). */
export function postmasterPid(dataDirectory: string): number {
  const pid = Number(readFileSync(`${dataDirectory}/postmaster.pid`, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no postmaster pid in ${dataDirectory}/postmaster.pid`);
  return pid;
}

/** CPU seconds Redis has used since it started (main thread and background threads). */
export async function redisCpuSeconds(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info("cpu");
    const value = (name: string) => Number(new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1] ?? NaN);
    return value("used_cpu_sys") + value("used_cpu_user");
  } finally {
    client.disconnect();
  }
}

/** CPU seconds of this process (the load generator). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
