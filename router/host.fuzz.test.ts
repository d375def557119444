// A million random and adversarial Host headers: the resolver must agree with an independent
// oracle on every one, accept every benign spelling of a tenant's name, and never name a tenant
// other than the one the header spells. Seeded, so a failure is reproducible (FUZZ_SEED=...).
import { describe, expect, it } from "@jest/globals";
import { HostResolver } from "./host.js";

const DOMAINS = ["localstoreplatform.com", "localhost"];
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

function mulberry32(seed: number): () => number {
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
function oracle(host: string): string | undefined {
  const m = ORACLE.exec(host);
  if (!m) return undefined;
  const slug = m[1]!.toLowerCase();
  if (slug.length >= 4 && slug[2] === "-" && slug[3] === "-") return undefined;
  if (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535)) return undefined;
  return slug;
}

describe("Given a million random and adversarial Host headers", () => {
  it("never resolves a header to a tenant other than the one it names", () => {
    const random = mulberry32(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const int = (n: number) => Math.floor(random() * n);
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const randomLabel = () => {
      const length = 1 + int(20);
      let s = "";
      for (let i = 0; i < length; i++) s += i > 0 && i < length - 1 && random() < 0.1 ? "-" : alphabet[int(alphabet.length)];
      return s.replace(/^(..)--/, "$1-a");
    };
    const tenants = Array.from({ length: 10_000 }, randomLabel);
    const randomCase = (s: string) => [...s].map((c) => (random() < 0.5 ? c.toUpperCase() : c)).join("");
    const nasty = ["\u0000", "\t", " ", "\r", "\n", "\\", "/", "@", "%2e", "%", "#", "?", ",", ";", "..", "\u212A", "\u0430", "\u0440", "\uff0e", "\u3002", "ß", "İ", "\u200b", "é", "\ufeff", "*", "_", "[", "]"];
    const homoglyph: Record<string, string> = { a: "\u0430", o: "\u043e", e: "\u0435", p: "\u0440", c: "\u0441", k: "\u212A", i: "\u0456", s: "\u0455" };

    // Each generator returns [host, the slug a correct resolver must return (undefined = must refuse, null = whatever the oracle says)].
    const generators: Array<() => [string, string | undefined | null]> = [
      () => {
        const t = pick(tenants);
        return [randomCase(`${t}.${pick(DOMAINS)}`) + (random() < 0.5 ? "." : "") + (random() < 0.5 ? `:${1 + int(65535)}` : ""), t];
      },
      () => [`${pick(tenants)}.${pick(tenants)}.${pick(DOMAINS)}`, undefined],
      () => [`${pick(tenants)}.${pick(DOMAINS)}..`, undefined],
      () => [`.${pick(tenants)}.${pick(DOMAINS)}`, undefined],
      () => [`${pick(tenants)}.${pick(DOMAINS)}.evil.com`, undefined],
      () => [`${pick(tenants)}.${pick(DOMAINS)}${pick(alphabet.split(""))}`, undefined],
      () => [`${pick(tenants)}${pick(DOMAINS)}`, null],
      () => [`xn--${pick(tenants)}.${pick(DOMAINS)}`, undefined],
      () => {
        const t = pick(tenants);
        const i = int(t.length);
        const swapped = homoglyph[t[i]!];
        return [`${t.slice(0, i)}${swapped ?? "\u0430"}${t.slice(i + 1)}.${pick(DOMAINS)}`, undefined];
      },
      () => {
        const t = pick(tenants);
        const i = int(t.length + 1);
        return [`${t.slice(0, i)}${pick(nasty)}${t.slice(i)}.${pick(DOMAINS)}`, null];
      },
      () => {
        const host = `${pick(tenants)}.${pick(DOMAINS)}`;
        const i = int(host.length + 1);
        return [`${host.slice(0, i)}${pick(nasty)}${host.slice(i)}`, null];
      },
      () => [`${pick(tenants)}@${pick(tenants)}.${pick(DOMAINS)}`, undefined],
      () => [`${pick(tenants)}.${pick(DOMAINS)}@${pick(tenants)}.${pick(DOMAINS)}`, undefined],
      () => [`${pick(tenants)}.${pick(DOMAINS)}, ${pick(tenants)}.${pick(DOMAINS)}`, undefined],
      () => [`${pick(tenants)}.${pick(DOMAINS)}:${pick(["", "0", "65536", "99999", "-1", "80:80", "8o", " 80", "080808"])}`, undefined],
      () => [`[${pick(["::1", "fe80::1", "::ffff:127.0.0.1"])}]${random() < 0.5 ? ":80" : ""}`, undefined],
      () => [`${"a".repeat(64 + int(10))}.${pick(DOMAINS)}`, undefined],
      () => [Array.from({ length: int(40) }, () => String.fromCharCode(int(random() < 0.8 ? 128 : 0x3000))).join(""), null],
      () => {
        const t = pick(tenants);
        return [`${t}.${pick(DOMAINS)}`.slice(0, int(t.length + 20)), null];
      },
    ];

    const resolver = new HostResolver(DOMAINS);
    let wrongTenant = 0;
    let disagreements = 0;
    let benign = 0;
    let benignRouted = 0;
    const examples: string[] = [];
    for (let n = 0; n < ITERATIONS; n++) {
      const g = int(generators.length);
      const [host, intended] = generators[g]!();
      const result = resolver.resolve(host);
      const got = result.ok ? result.slug : undefined;
      const expected = oracle(host);
      if (got !== expected) {
        disagreements++;
        if (examples.length < 10) examples.push(`${JSON.stringify(host)}: resolver=${got} oracle=${expected}`);
      }
      if (intended !== null && got !== undefined && got !== intended) {
        wrongTenant++;
        if (examples.length < 10) examples.push(`${JSON.stringify(host)}: routed to ${got}, names ${intended}`);
      }
      if (g === 0) {
        benign++;
        if (got === intended) benignRouted++;
      }
    }
    expect({ seed: SEED, wrongTenant, disagreements, examples }).toEqual({ seed: SEED, wrongTenant: 0, disagreements: 0, examples: [] });
    // Refusing everything would also never mis-route; every benign spelling must still route.
    expect(benign).toBeGreaterThan(ITERATIONS / generators.length / 2);
    expect(benignRouted).toBe(benign);
  });
});
