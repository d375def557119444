// Random and adversarial Host headers with the tenant each one names, and an independent oracle
// for the naming rule. Shared by the million-input resolver fuzz test and the end-to-end sample.

export const FUZZ_DOMAINS = ["localstoreplatform.com", "localhost"];

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The oracle: the rule written a second, independent way (a regex), applied to the raw header.
const ORACLE = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.(localstoreplatform\.com|localhost)\.?(?::([0-9]{1,5}))?$/i;

export function oracle(host: string): string | undefined {
  const m = ORACLE.exec(host);
  if (!m) return undefined;
  const slug = m[1]!.toLowerCase();
  if (slug.length >= 4 && slug[2] === "-" && slug[3] === "-") return undefined;
  if (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535)) return undefined;
  return slug;
}

export interface FuzzCase {
  host: string;
  /** The slug a correct resolver must return; undefined = must refuse; null = whatever the oracle says. */
  intended: string | undefined | null;
  /** A benign spelling of a real tenant (case, trailing dot, port): must route. */
  benign: boolean;
}

export function randomLabels(random: () => number, count: number): string[] {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const out = new Set<string>();
  while (out.size < count) {
    const length = 1 + Math.floor(random() * 20);
    let s = "";
    for (let i = 0; i < length; i++) s += i > 0 && i < length - 1 && random() < 0.1 ? "-" : alphabet[Math.floor(random() * alphabet.length)];
    out.add(s.replace(/^(..)--/, "$1-a"));
  }
  return [...out];
}

export function hostFuzzer(random: () => number, tenants: readonly string[]): () => FuzzCase {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789".split("");
  const randomCase = (s: string) => [...s].map((c) => (random() < 0.5 ? c.toUpperCase() : c)).join("");
  const nasty = ["\u0000", "\t", " ", "\r", "\n", "\\", "/", "@", "%2e", "%", "#", "?", ",", ";", "..", "\u212A", "\u0430", "\u0440", "\uff0e", "\u3002", "ß", "İ", "\u200b", "é", "\ufeff", "*", "_", "[", "]"];
  const homoglyph: Record<string, string> = { a: "\u0430", o: "\u043e", e: "\u0435", p: "\u0440", c: "\u0441", k: "\u212A", i: "\u0456", s: "\u0455" };
  const d = () => pick(FUZZ_DOMAINS);
  const t = () => pick(tenants);
  const generators: Array<() => [string, string | undefined | null]> = [
    () => {
      const slug = t();
      return [randomCase(`${slug}.${d()}`) + (random() < 0.5 ? "." : "") + (random() < 0.5 ? `:${1 + int(65535)}` : ""), slug];
    },
    () => [`${t()}.${t()}.${d()}`, undefined],
    () => [`${t()}.${d()}..`, undefined],
    () => [`.${t()}.${d()}`, undefined],
    () => [`${t()}.${d()}.evil.com`, undefined],
    () => [`${t()}.${d()}${pick(alphabet)}`, undefined],
    () => [`${t()}${d()}`, null],
    () => [`xn--${t()}.${d()}`, undefined],
    () => {
      const slug = t();
      const i = int(slug.length);
      return [`${slug.slice(0, i)}${homoglyph[slug[i]!] ?? "\u0430"}${slug.slice(i + 1)}.${d()}`, undefined];
    },
    () => {
      const slug = t();
      const i = int(slug.length + 1);
      return [`${slug.slice(0, i)}${pick(nasty)}${slug.slice(i)}.${d()}`, null];
    },
    () => {
      const host = `${t()}.${d()}`;
      const i = int(host.length + 1);
      return [`${host.slice(0, i)}${pick(nasty)}${host.slice(i)}`, null];
    },
    () => [`${t()}@${t()}.${d()}`, undefined],
    () => [`${t()}.${d()}@${t()}.${d()}`, undefined],
    () => [`${t()}.${d()}, ${t()}.${d()}`, undefined],
    () => [`${t()}.${d()}:${pick(["", "0", "65536", "99999", "-1", "80:80", "8o", " 80", "080808"])}`, undefined],
    () => [`[${pick(["::1", "fe80::1", "::ffff:127.0.0.1"])}]${random() < 0.5 ? ":80" : ""}`, undefined],
    () => [`${"a".repeat(64 + int(10))}.${d()}`, undefined],
    () => [Array.from({ length: int(40) }, () => String.fromCharCode(int(random() < 0.8 ? 128 : 0x3000))).join(""), null],
    () => {
      const slug = t();
      return [`${slug}.${d()}`.slice(0, int(slug.length + 20)), null];
    },
  ];
  return () => {
    const g = int(generators.length);
    const [host, intended] = generators[g]!();
    return { host, intended, benign: g === 0 };
  };
}
