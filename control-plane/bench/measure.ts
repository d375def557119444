// Runs async operations with a fixed number of callers in flight for a fixed time and reports
// operations per second. Cases compared with each other run interleaved for several rounds and
// report the median, so a colleague's burst on the shared CPU or JIT order does not pick the winner.
export interface Rate {
  name: string;
  ops: number;
  seconds: number;
  perSecond: number;
  /** Per-round rates, for the spread. */
  rounds: number[];
}

export interface MeasureOptions {
  seconds?: number;
  concurrency?: number;
}

async function timed(op: (i: number) => Promise<unknown>, seconds: number, concurrency: number) {
  let ops = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) await op(ops++);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ops, seconds: (performance.now() - started) / 1000 };
}

export async function measure(name: string, op: (i: number) => Promise<unknown>, options: MeasureOptions = {}): Promise<Rate> {
  const concurrency = options.concurrency ?? 1;
  await timed(op, 0.3, concurrency);
  const { ops, seconds } = await timed(op, options.seconds ?? 3, concurrency);
  return { name, ops, seconds, perSecond: ops / seconds, rounds: [ops / seconds] };
}

/** Each case warmed up, then all cases run in turn `rounds` times; the median round is reported. */
export async function compare(cases: { name: string; op: (i: number) => Promise<unknown> }[], options: MeasureOptions & { rounds?: number } = {}): Promise<Rate[]> {
  const rounds = options.rounds ?? 5;
  const per = (options.seconds ?? 3) / rounds;
  for (const c of cases) await timed(c.op, 0.3, options.concurrency ?? 1);
  const results = cases.map((c) => ({ name: c.name, ops: 0, seconds: 0, rounds: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of cases.entries()) {
      const { ops, seconds } = await timed(c.op, per, options.concurrency ?? 1);
      results[i]!.ops += ops;
      results[i]!.seconds += seconds;
      results[i]!.rounds.push(ops / seconds);
    }
  }
  return results.map((r) => ({ ...r, perSecond: median(r.rounds) }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
