// Reading the operator's /metrics text (Prometheus exposition format) for the benchmark's summary.

/** True when the sample line is `name{...}` or `name value` and carries every wanted label. */
function matches(line: string, name: string, labels: Record<string, string>): boolean {
  if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) return false;
  return Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
}

/** Sum of every sample of `name` carrying the given labels. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) if (matches(line, name, labels)) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  return sum;
}

/** Mean of a histogram (its _sum over its _count) for the given labels; 0 when it has no samples. */
export function metricMean(text: string, histogram: string, labels: Record<string, string> = {}): number {
  const count = metricSum(text, `${histogram}_count`, labels);
  return count === 0 ? 0 : metricSum(text, `${histogram}_sum`, labels) / count;
}
