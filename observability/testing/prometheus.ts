// Reads samples out of a Prometheus text exposition, for tests that assert how far a metric moved.
export type Samples = Map<string, number>;

/** Every sample of a scrape, keyed by `name{label="value",...}` with labels sorted by name. */
export function parsePrometheusText(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const [, name, labels = "", value] = match;
    const pairs = [...labels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k!, v!] as const);
    samples.set(seriesKey(name!, Object.fromEntries(pairs)), Number(value));
  }
  return samples;
}

export function seriesKey(name: string, labels: Record<string, string> = {}): string {
  const sorted = Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`);
  return sorted.length === 0 ? name : `${name}{${sorted.join(",")}}`;
}

/** How much one series grew between two scrapes (a series absent before counts from 0). */
export function increase(before: Samples, after: Samples, name: string, labels: Record<string, string> = {}): number {
  const key = seriesKey(name, labels);
  const now = after.get(key);
  if (now === undefined) throw new Error(`no series ${key} in the scrape`);
  return now - (before.get(key) ?? 0);
}
