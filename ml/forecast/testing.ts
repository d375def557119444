// Deterministic synthetic series for tests: a seeded generator so a failing test fails the same
// way every run.
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal noise by Box-Muller. */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** `days` values of base * weekly[weekday slot] plus N(0, noise). */
export function weeklySeries(days: number, base: number, weekly: readonly number[], noise: number, seed = 1): number[] {
  const n = gaussian(seededRandom(seed));
  return Array.from({ length: days }, (_, i) => Math.max(0, base * weekly[i % 7]! + noise * n()));
}
