import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { createServer } from "node:net";
import { mlServiceConstructor, startMlServer, syntheticRecommendationInput, type MlServer } from "../../ml/index.js";
import { createMlClient, type MlClient } from "./client.js";

const { tenantId, locationId, ...input } = syntheticRecommendationInput();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A pod that accepts calls and never answers: what a wedged process looks like on the wire. */
async function stuckPod(): Promise<{ port: number; stop: () => void }> {
  const server = new Server();
  const never = () => undefined;
  server.addService(mlServiceConstructor().service, { PredictDemand: never, GetRecommendations: never, AnalyzePricing: never, DetectAnomalies: never });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, stop: () => server.forceShutdown() };
}

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

  it("falls back to a local seasonal-naive forecast for demand", async () => {
    const client = track(createMlClient({ url: `127.0.0.1:${await freePort()}`, deadlineMs: 300 }));
    const d = input.daily[0]!;
    const res = await client.predictDemand(tenantId, [{ seriesId: d.itemId, locationId, start: d.start, values: d.quantities }], 7);
    expect(res).toMatchObject({ source: "rules", forecasts: [{ model: "seasonal_naive" }] });
    expect(res.forecasts[0]!.days[0]!.point).toBe(d.quantities[d.quantities.length - 7]);
  });

  it("probes again after the reset timeout and closes the breaker when the pod is back", async () => {
    let clock = 5_000_000;
    const port = await freePort();
    const client = track(createMlClient({ url: `127.0.0.1:${port}`, deadlineMs: 2_000, now: () => clock, breaker: { failureThreshold: 1, resetTimeoutMs: 30_000 } }));
    expect((await client.getRecommendations(tenantId, locationId, input)).source).toBe("rules");
    expect(client.breakerState()).toBe("open");
    const pod = await startMlServer({ port, host: "127.0.0.1" });
    try {
      expect((await client.getRecommendations(tenantId, locationId, input)).degradedReason).toBe("circuit open");
      clock += 30_000;
      expect(client.breakerState()).toBe("half_open");
      const probe = await client.getRecommendations(tenantId, locationId, input);
      expect(probe.degradedReason).toBeUndefined();
      expect(probe.source).toBe("ml");
      expect(client.breakerState()).toBe("closed");
    } finally {
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
