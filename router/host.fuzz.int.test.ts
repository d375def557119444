// The end-to-end half of the Host fuzz test: a sample of the same random and adversarial Host
// headers, sent as raw bytes through a real router to cell processes that report the tenant
// they were given. A 200 must come from the tenant the header names (per the oracle), on that
// tenant's cell; anything else must be the router's 400/404.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createRouter, LocalRouteSource, type Router } from "./index.js";
import { rawExchange } from "./testing/client.js";
import { FUZZ_DOMAINS, hostFuzzer, mulberry32, oracle, randomLabels } from "./testing/host-fuzz.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess, TEST_ENGINE } from "./testing/processes.js";

const SAMPLE = Number(process.env.FUZZ_E2E_SAMPLE ?? 2_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** What the router's HTTP parser hands it: the value up to a line break, without surrounding blanks. */
function asParsed(host: string): string {
  const wire = Buffer.from(host, "utf8").toString("latin1");
  return wire.split(/[\r\n]/)[0]!.replace(/^[ \t]+|[ \t]+$/g, "");
}

describe("Given random and adversarial Host headers sent through a running router", () => {
  const tenants = randomLabels(mulberry32(SEED), 40);
  const cellOf = new Map<string, string>();
  let cells: CellProcess[];
  let router: Router;

  beforeAll(async () => {
    cells = await Promise.all([startCell("cell-0"), startCell("cell-1")]);
    const routes = new LocalRouteSource();
    tenants.forEach((slug, i) => {
      routes.set(slug, { endpoint: cells[i % 2]!.endpoint });
      cellOf.set(slug, `cell-${i % 2}`);
    });
    router = createRouter({ engine: TEST_ENGINE, baseDomains: FUZZ_DOMAINS, signingKey: TEST_SIGNING_KEY, routes });
    await router.listen();
  });

  afterAll(async () => {
    await router?.close();
    await Promise.all((cells ?? []).map((c) => c.stop()));
  });

  it("answers only for the tenant each header names, on that tenant's cell", async () => {
    const next = hostFuzzer(mulberry32(SEED + 1), tenants);
    const cases = Array.from({ length: SAMPLE }, next);
    const failures: string[] = [];
    let routed = 0;
    let benign = 0;
    for (let i = 0; i < cases.length; i += 16) {
      await Promise.all(
        cases.slice(i, i + 16).map(async ({ host, intended, benign: isBenign }) => {
          const request = Buffer.concat([Buffer.from("GET /echo HTTP/1.1\r\nHost: "), Buffer.from(host, "utf8"), Buffer.from("\r\nConnection: close\r\n\r\n")]);
          const { text } = await rawExchange(router.url, request);
          const status = Number(text.slice(9, 12));
          const named = oracle(asParsed(host));
          if (isBenign) benign++;
          if (status === 200) {
            routed++;
            const echoed = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)) as { tenant: string; cell: string; verified: boolean };
            const right = echoed.tenant === named && (intended === null || echoed.tenant === intended) && echoed.cell === cellOf.get(echoed.tenant) && echoed.verified;
            if (!right) failures.push(`${JSON.stringify(host)} reached ${echoed.tenant} on ${echoed.cell}; names ${named}`);
          } else if (status !== 400 && status !== 404) {
            failures.push(`${JSON.stringify(host)} got status ${status || text.slice(0, 40)}`);
          } else if (isBenign) {
            failures.push(`${JSON.stringify(host)} is a benign spelling of ${intended} but got ${status}`);
          }
        }),
      );
    }
    expect({ seed: SEED, failures: failures.slice(0, 10) }).toEqual({ seed: SEED, failures: [] });
    expect(routed).toBeGreaterThanOrEqual(benign);
    expect(benign).toBeGreaterThan(SAMPLE / 40);
  });
});
