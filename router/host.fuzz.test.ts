// A million random and adversarial Host headers: the resolver must agree with an independent
// oracle on every one, accept every benign spelling of a tenant's name, and never name a tenant
// other than the one the header spells. Seeded, so a failure is reproducible (FUZZ_SEED=...).
import { describe, expect, it } from "@jest/globals";
import { HostResolver } from "./host.js";
import { FUZZ_DOMAINS, hostFuzzer, mulberry32, oracle, randomLabels } from "./testing/host-fuzz.js";

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

describe("Given a million random and adversarial Host headers", () => {
  it("never resolves a header to a tenant other than the one it names", () => {
    const random = mulberry32(SEED);
    const next = hostFuzzer(random, randomLabels(random, 10_000));
    const resolver = new HostResolver(FUZZ_DOMAINS);
    let wrongTenant = 0;
    let disagreements = 0;
    let benign = 0;
    let benignRouted = 0;
    const examples: string[] = [];
    for (let n = 0; n < ITERATIONS; n++) {
      const { host, intended, benign: isBenign } = next();
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
      if (isBenign) {
        benign++;
        if (got === intended) benignRouted++;
      }
    }
    expect({ seed: SEED, wrongTenant, disagreements, examples }).toEqual({ seed: SEED, wrongTenant: 0, disagreements: 0, examples: [] });
    // Refusing everything would also never mis-route; every benign spelling must still route.
    expect(benign).toBeGreaterThan(ITERATIONS / 40);
    expect(benignRouted).toBe(benign);
  });
});
