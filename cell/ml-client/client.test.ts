import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { credentials, Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceError } from "@grpc/grpc-js";
import { createServer } from "node:net";
import { mlServiceConstructor, RecommendationCache, startMlServer, syntheticRecommendationInput, type MlServer, type RecommendationsResponse } from "../../ml/index.js";
import { createMlClient, type MlClient, type RecommendationsInput, type VersionedRecommendationsInput } from "./client.js";

const { tenantId, locationId, ...input } = syntheticRecommendationInput();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A gRPC server with the ML service's shape whose every method is `handler`: a pod gone wrong on the wire. */
async function fakePod(handler: (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void, port = 0): Promise<{ port: number; stop: () => void }> {
  const server = new Server();
  server.addService(mlServiceConstructor().service, { PredictDemand: handler, GetRecommendations: handler, AnalyzePricing: handler, DetectAnomalies: handler });
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port: bound, stop: () => server.forceShutdown() };
}

/** Accepts calls and never answers: what a wedged process looks like on the wire. */
const stuckPod = () => fakePod(() => undefined);

let clients: MlClient[] = [];
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
});
const track = (c: MlClient) => (clients.push(c), c);

describe("Given a healthy ML pod", () => {
  let pod: MlServer;
  beforeAll(async () => {
    pod = await startMlServer({ port: 0, host: "127.0.0.1" });
  });
  afterAll(() => pod.close());

  it("returns ML recommendations, then serves the same answer from the 5-minute cache", async () => {
    let clock = 1_000_000;
    const client = track(createMlClient({ url: `127.0.0.1:${pod.port}`, deadlineMs: 5_000, now: () => clock }));
    const first = await client.getRecommendations(tenantId, locationId, input);
    expect(first).toMatchObject({ source: "ml", cached: false });
    expect(first.recommendations.some((r) => r.kind === "prep_quantity" && r.source === "ml")).toBe(true);
    clock += 299_000;
    expect(await client.getRecommendations(tenantId, locationId, input)).toMatchObject({ source: "ml", cached: true, recommendations: first.recommendations });
    clock += 2_000;
    expect((await client.getRecommendations(tenantId, locationId, input)).cached).toBe(false);
  });

  it("does not share cached advice between tenants", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${pod.port}`, deadlineMs: 5_000 }));
    await client.getRecommendations("tenant-a", locationId, input);
    expect((await client.getRecommendations("tenant-b", locationId, input)).cached).toBe(false);
  });

  it("forecasts demand through the pod", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${pod.port}`, deadlineMs: 5_000 }));
    const d = input.daily[0]!;
    const res = await client.predictDemand(tenantId, [{ seriesId: d.itemId, locationId, start: d.start, values: d.quantities }], 7);
    expect(res.source).toBe("ml");
    expect(res.forecasts[0]!.days).toHaveLength(7);
  });
});

/** A small menu (6 items) keeps the cold computations of these cases short. */
const small = (seed: number): RecommendationsInput => {
  const { tenantId: _t, locationId: _l, ...rest } = syntheticRecommendationInput({ items: 6, days: 56, seed });
  return rest;
};

/** Counts the input builds the client asks for: a by-version hit must build none. */
function versioned(dataVersion: string, data: RecommendationsInput): VersionedRecommendationsInput & { loads: number } {
  const source = { asOf: data.asOf, dataVersion, loads: 0, load: async () => (source.loads++, data) };
  return source;
}

describe("Given a healthy ML pod and input named by a data version", () => {
  let pod: MlServer;
  let cache: RecommendationCache<RecommendationsResponse>;
  let port: number;
  const start = async () => {
    cache = new RecommendationCache<RecommendationsResponse>();
    pod = await startMlServer({ port, host: "127.0.0.1", recommendationCache: cache });
  };
  beforeAll(async () => {
    port = await freePort();
    await start();
  });
  afterAll(() => pod.close());
  const lookups = () => ({ hits: cache.hits, misses: cache.misses });

  it("answers a repeat refresh by version alone, without building the input", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${port}`, deadlineMs: 30_000 }));
    const first = versioned("v1;sales=10", small(1));
    const computed = await client.refreshRecommendations("t-repeat", locationId, first);
    expect(computed).toMatchObject({ source: "ml", cached: false });
    expect(first.loads).toBe(1);
    // The first call asked by version (miss), then sent the data (miss: computed).
    expect(lookups()).toMatchObject({ misses: 2, hits: 0 });
    const again = versioned("v1;sales=10", small(1));
    const repeat = await client.refreshRecommendations("t-repeat", locationId, again);
    expect(again.loads).toBe(0);
    expect(lookups()).toMatchObject({ misses: 2, hits: 1 });
    expect(repeat).toEqual({ recommendations: computed.recommendations, source: "ml", cached: false });
  });

  it("sends the data and recomputes when the version changes", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${port}`, deadlineMs: 30_000 }));
    const before = await client.refreshRecommendations("t-change", locationId, versioned("v1;sales=10", small(1)));
    const was = lookups();
    const changed = versioned("v1;sales=11", small(2));
    const after = await client.refreshRecommendations("t-change", locationId, changed);
    expect(changed.loads).toBe(1);
    expect(lookups()).toEqual({ hits: was.hits, misses: was.misses + 2 });
    expect(after.recommendations).not.toEqual(before.recommendations);
    // The cell's own cache is keyed by version too: the old version's advice is not served for the new one.
    expect((await client.getRecommendations("t-change", locationId, versioned("v1;sales=11", small(2)))).recommendations).toEqual(after.recommendations);
  });

  it("falls back to sending the data when a restarted pod no longer holds the version", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${port}`, deadlineMs: 30_000 }));
    const before = await client.refreshRecommendations("t-restart", locationId, versioned("v1;sales=10", small(1)));
    await pod.close();
    await start();
    const source = versioned("v1;sales=10", small(1));
    const after = await client.refreshRecommendations("t-restart", locationId, source);
    expect(after).toMatchObject({ source: "ml", cached: false });
    expect(after.degradedReason).toBeUndefined();
    expect(source.loads).toBe(1);
    expect(lookups()).toEqual({ hits: 0, misses: 2 });
    expect(after.recommendations).toEqual(before.recommendations);
    expect(client.breakerState()).toBe("closed");
  });

  it("never answers one tenant from another tenant's version", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${port}`, deadlineMs: 30_000 }));
    const a = await client.refreshRecommendations("tenant-a", locationId, versioned("v1;same", small(1)));
    const was = lookups();
    const forB = versioned("v1;same", small(3));
    const b = await client.refreshRecommendations("tenant-b", locationId, forB);
    expect(forB.loads).toBe(1);
    expect(lookups()).toEqual({ hits: was.hits, misses: was.misses + 2 });
    expect(b.recommendations).not.toEqual(a.recommendations);
  });
});

describe("Given an ML pod that is down", () => {
  it("answers with rule-based recommendations and opens the breaker after repeated failures", async () => {
    const port = await freePort();
    const client = track(createMlClient({ url: `127.0.0.1:${port}`, deadlineMs: 500, breaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } }));
    const first = await client.getRecommendations(tenantId, locationId, input);
    expect(first.source).toBe("rules");
    expect(first.degradedReason).toMatch(/UNAVAILABLE|DEADLINE_EXCEEDED/);
    expect(first.recommendations.length).toBeGreaterThan(0);
    expect(first.recommendations.every((r) => r.source === "rules")).toBe(true);
    await client.getRecommendations(tenantId, locationId, input);
    expect(client.breakerState()).toBe("open");
    const t0 = Date.now();
    const third = await client.getRecommendations(tenantId, locationId, input);
    expect(third.degradedReason).toBe("circuit open");
    expect(Date.now() - t0).toBeLessThan(200);
  });

  it("builds the versioned input for the rule-based answer", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${await freePort()}`, deadlineMs: 300 }));
    const source = versioned("v1;x", small(1));
    const res = await client.getRecommendations(tenantId, locationId, source);
    expect(res.source).toBe("rules");
    expect(source.loads).toBe(1);
    expect(res.recommendations.length).toBeGreaterThan(0);
  });

  it("falls back to a local seasonal-naive forecast for demand", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${await freePort()}`, deadlineMs: 300 }));
    const d = input.daily[0]!;
    const res = await client.predictDemand(tenantId, [{ seriesId: d.itemId, locationId, start: d.start, values: d.quantities }], 7);
    expect(res).toMatchObject({ source: "rules", forecasts: [{ model: "seasonal_naive" }] });
    expect(res.forecasts[0]!.days[0]!.point).toBe(d.quantities[d.quantities.length - 7]);
  });

  it("probes again after the reset timeout and closes the breaker when the pod is back", async () => {
    let clock = 5_000_000;
    // The pod fails at once (UNAVAILABLE), then recovers in place (forwards to a real pod), and the
    // deadline is generous: what is under test is the breaker's half-open probe, not how fast a
    // cold pod computes advice (~2 s for the full menu at load 18 on 2 cores) nor how soon a
    // channel reconnects to a restarted process.
    const pod = await startMlServer({ port: 0, host: "127.0.0.1" });
    const upstream = new (mlServiceConstructor())(`127.0.0.1:${pod.port}`, credentials.createInsecure());
    let recovered = false;
    const flaky = await fakePod((call, callback) => {
      if (!recovered) return callback({ code: status.UNAVAILABLE, details: "overloaded" });
      const forward = (upstream as unknown as Record<string, (req: unknown, cb: (err: ServiceError | null, res: unknown) => void) => void>).GetRecommendations!.bind(upstream);
      forward(call.request, (err, res) => callback(err, res));
    });
    const client = track(createMlClient({ url: `127.0.0.1:${flaky.port}`, deadlineMs: 30_000, now: () => clock, breaker: { failureThreshold: 1, resetTimeoutMs: 30_000 } }));
    const menu = small(1);
    try {
      expect(await client.getRecommendations(tenantId, locationId, menu)).toMatchObject({ source: "rules", degradedReason: "UNAVAILABLE: overloaded" });
      expect(client.breakerState()).toBe("open");
      recovered = true;
      expect((await client.getRecommendations(tenantId, locationId, menu)).degradedReason).toBe("circuit open");
      clock += 29_999;
      expect((await client.getRecommendations(tenantId, locationId, menu)).degradedReason).toBe("circuit open");
      clock += 1;
      expect(client.breakerState()).toBe("half_open");
      const probe = await client.getRecommendations(tenantId, locationId, menu);
      expect(probe.degradedReason).toBeUndefined();
      expect(probe.source).toBe("ml");
      expect(client.breakerState()).toBe("closed");
    } finally {
      flaky.stop();
      upstream.close();
      await pod.close();
    }
  });
});

describe("Given an ML pod that accepts calls but never answers", () => {
  it("gives up at the deadline and answers from rules in time", async () => {
    const pod = await stuckPod();
    try {
      const client = track(createMlClient({ url: `127.0.0.1:${pod.port}`, deadlineMs: 200 }));
      const t0 = Date.now();
      const res = await client.getRecommendations(tenantId, locationId, input);
      expect(res).toMatchObject({ source: "rules" });
      expect(res.degradedReason).toMatch(/DEADLINE_EXCEEDED/);
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      pod.stop();
    }
  });
});

describe("Given bad client options", () => {
  it("names the option", () => {
    expect(() => createMlClient({ url: "" })).toThrow("url is required");
    expect(() => createMlClient({ url: "x:1", deadlineMs: 0 })).toThrow("deadlineMs must be > 0");
  });
});
