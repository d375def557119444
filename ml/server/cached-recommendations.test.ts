import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { credentials, Metadata, status, type Client, type ServiceError } from "@grpc/grpc-js";
import { ForecastCache } from "../forecast/cache.js";
import { addDays } from "../forecast/dates.js";
import { syntheticRecommendationInput } from "../recommend/synthetic.js";
import type { RecommendationInput } from "../recommend/types.js";
import type { RecommendationsResponse } from "./handlers.js";
import { mlServiceConstructor } from "./proto.js";
import { RecommendationCache } from "./recommendation-cache.js";
import { startMlServer, type MlServer } from "./server.js";
import { cachedRecommendationRequest, recommendationRequest } from "./wire.js";

type Callable = (request: unknown, metadata: Metadata, options: { deadline: number }, callback: (err: ServiceError | null, response: never) => void) => void;
type Answer = { recommendations: Array<{ id: string; kind: string; itemIds: string[]; metrics: Record<string, number> }> };

const AS_OF = "2025-06-30";

describe("Given an ML pod that caches each location's recommendations by content and data version", () => {
  let server: MlServer;
  let client: Client;
  const forecasts = new ForecastCache();
  const answers = new RecommendationCache<RecommendationsResponse>();

  const get = (request: unknown) =>
    new Promise<Answer>((resolve, reject) => {
      const fn = (client as unknown as Record<string, Callable>).GetRecommendations!.bind(client);
      fn(request, new Metadata(), { deadline: Date.now() + 20_000 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
  const failure = (request: unknown) =>
    get(request).then(
      () => {
        throw new Error("expected the call to fail");
      },
      (e: ServiceError) => e,
    );
  const withData = (input: RecommendationInput, dataVersion: string) => get(recommendationRequest({ ...input, dataVersion }));
  const cachedOnly = (tenantId: string, dataVersion: string, asOf = AS_OF) => get(cachedRecommendationRequest(tenantId, "loc-1", asOf, dataVersion));

  beforeAll(async () => {
    server = await startMlServer({ port: 0, host: "127.0.0.1", cache: forecasts, recommendationCache: answers });
    client = new (mlServiceConstructor())(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  it("answers a cached-only call with the same advice as the call that sent the data, fitting nothing", async () => {
    const input = syntheticRecommendationInput({ tenantId: "t-a", asOf: AS_OF });
    const computed = await withData(input, "sales@100");
    const fits = forecasts.misses;
    const again = await cachedOnly("t-a", "sales@100");
    expect(again).toEqual(computed);
    expect(computed.recommendations.length).toBeGreaterThan(3);
    expect(forecasts.misses).toBe(fits);
  });

  it("answers a repeat call with the same data from the cache, even without a version", async () => {
    const input = syntheticRecommendationInput({ tenantId: "t-repeat", asOf: AS_OF });
    const first = await withData(input, "");
    const hits = answers.hits;
    const lookups = forecasts.hits + forecasts.misses;
    await expect(withData(input, "")).resolves.toEqual(first);
    expect(answers.hits).toBe(hits + 1);
    expect(forecasts.hits + forecasts.misses).toBe(lookups);
  });

  it("recomputes when new sales arrive: the new version shows the new anomaly and the old version is gone", async () => {
    const before = syntheticRecommendationInput({ tenantId: "t-b", asOf: AS_OF });
    const after = syntheticRecommendationInput({ tenantId: "t-b", asOf: AS_OF, anomaly: { itemId: "pho-bo", date: addDays(AS_OF, -1), quantity: 0 } });
    const old = await withData(before, "v1");
    expect(old.recommendations.some((r) => r.kind === "anomaly_alert" && r.itemIds.includes("pho-bo"))).toBe(false);
    const fresh = await withData(after, "v2");
    expect(fresh.recommendations.some((r) => r.kind === "anomaly_alert" && r.itemIds.includes("pho-bo"))).toBe(true);
    await expect(cachedOnly("t-b", "v2")).resolves.toEqual(fresh);
    const err = await failure(cachedRecommendationRequest("t-b", "loc-1", AS_OF, "v1"));
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.details).toMatch(/^data_version: .*send the data/);
  });

  it("recomputes when the data changes under an unchanged version (the content decides, not the label)", async () => {
    const before = syntheticRecommendationInput({ tenantId: "t-c", asOf: AS_OF });
    const after = syntheticRecommendationInput({ tenantId: "t-c", asOf: AS_OF, anomaly: { itemId: "pho-bo", date: addDays(AS_OF, -1), quantity: 0 } });
    await withData(before, "same");
    const fresh = await withData(after, "same");
    expect(fresh.recommendations.some((r) => r.kind === "anomaly_alert" && r.itemIds.includes("pho-bo"))).toBe(true);
    await expect(cachedOnly("t-c", "same")).resolves.toEqual(fresh);
  });

  it("recomputes for a new day: a cached-only call for another as_of is not answered", async () => {
    const input = syntheticRecommendationInput({ tenantId: "t-d", asOf: AS_OF });
    await withData(input, "v1");
    const err = await failure(cachedRecommendationRequest("t-d", "loc-1", addDays(AS_OF, 1), "v1"));
    expect(err.code).toBe(status.FAILED_PRECONDITION);
  });

  it("never answers one tenant from another tenant's entry, even with the same location and version", async () => {
    const a = syntheticRecommendationInput({ tenantId: "t-iso-a", asOf: AS_OF, seed: 1 });
    const b = syntheticRecommendationInput({ tenantId: "t-iso-b", asOf: AS_OF, seed: 2, anomaly: { itemId: "pho-bo", date: addDays(AS_OF, -1), quantity: 0 } });
    const forA = await withData(a, "v1");
    // Tenant B has sent nothing yet: A's answer for loc-1@v1 must not leak to it.
    expect((await failure(cachedRecommendationRequest("t-iso-b", "loc-1", AS_OF, "v1"))).code).toBe(status.FAILED_PRECONDITION);
    const forB = await withData(b, "v1");
    expect(forB).not.toEqual(forA);
    await expect(cachedOnly("t-iso-a", "v1")).resolves.toEqual(forA);
    await expect(cachedOnly("t-iso-b", "v1")).resolves.toEqual(forB);
  });

  it("rejects a cached-only call without a data version, naming the field", async () => {
    const err = await failure({ tenantId: "t-a", locationId: "loc-1", asOf: AS_OF, cachedOnly: true });
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe("data_version: is required when cached_only is set");
  });

  it("rejects a cached-only call that also carries data", async () => {
    const input = syntheticRecommendationInput({ tenantId: "t-a", asOf: AS_OF });
    const err = await failure({ ...recommendationRequest({ ...input, dataVersion: "v9" }), cachedOnly: true });
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe("cached_only: must not be set on a request that carries items or daily series");
  });
});
