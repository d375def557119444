import { describe, expect, it } from "@jest/globals";
import { cellTemplate, configFromEnv, InvalidConfigError, parseConfig } from "./config.js";

describe("Given operator configuration", () => {
  it("fills sensible defaults around the required database URL", () => {
    const config = parseConfig({ platformDatabaseUrl: "postgres://u:p@db:5432/lsp" });
    expect(config).toMatchObject({ cellImageRepository: "ghcr.io/localstoreplatform/cell", sharedCellCapacity: 100, workers: 4, leaderElection: true, leaseName: "lsp-operator", httpPort: 8081 });
  });

  it("names the setting and the reason when a value is wrong", () => {
    expect(() => parseConfig({ platformDatabaseUrl: "mysql://x", sharedCellCapacity: 0 })).toThrow(InvalidConfigError);
    try {
      parseConfig({ platformDatabaseUrl: "mysql://x", sharedCellCapacity: 0 });
    } catch (error) {
      expect((error as InvalidConfigError).issues.map((i) => i.setting)).toEqual(["platformDatabaseUrl", "sharedCellCapacity"]);
      expect((error as Error).message).toMatch(/platformDatabaseUrl: must be a postgres:\/\/ connection string/);
    }
  });

  it("reads the documented environment variables", () => {
    const input = configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", CELL_IMAGE_REPOSITORY: "reg/cell", SHARED_CELL_CAPACITY: "50", LEADER_ELECTION: "false", OPERATOR_WORKERS: "8" });
    expect(parseConfig(input)).toMatchObject({ platformDatabaseUrl: "postgres://a/b", cellImageRepository: "reg/cell", sharedCellCapacity: 50, leaderElection: false, workers: 8 });
  });

  it("takes the billing sync's platform key from PLATFORM_KEY, and refuses a short one by name", () => {
    expect(parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", PLATFORM_KEY: "platform-key-0123456789" })).platformKey).toBe("platform-key-0123456789");
    expect(() => parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", PLATFORM_KEY: "short" }))).toThrow(/platformKey: must be at least 16 characters/);
  });

  it("gives new cells the API and ML replicas and resources it is configured with, and names a bad one", () => {
    const config = parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", CELL_API_REPLICAS: "3", CELL_ML_REPLICAS: "2", CELL_API_RESOURCES: '{"requests":{"cpu":1,"memory":"512Mi"},"limits":{"memory":"1Gi"}}' }));
    expect(cellTemplate(config, "dedicated")).toMatchObject({ capacity: 1, api: { replicas: 3, resources: { requests: { cpu: "1", memory: "512Mi" }, limits: { memory: "1Gi" } } }, ml: { replicas: 2 } });
    expect(cellTemplate(config, "dedicated").ml).not.toHaveProperty("resources");
    // Defaults: two API pods, one ML pod, the operator's own requests and limits.
    expect(cellTemplate(parseConfig({ platformDatabaseUrl: "postgres://a/b" }), "shared")).toMatchObject({ api: { replicas: 2 }, ml: { replicas: 1 } });
    const bad = (env: Record<string, string>) => () => parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", ...env }));
    expect(bad({ CELL_API_RESOURCES: "{requests" })).toThrow(/cellApiResources: must be JSON/);
    expect(bad({ CELL_ML_RESOURCES: '{"requests":{"memory":"lots"}}' })).toThrow(/cellMlResources.requests.memory: must be a Kubernetes quantity/);
    expect(bad({ CELL_API_RESOURCES: '{"requests":{"gpu":"1"}}' })).toThrow(/cellApiResources.requests/);
    expect(bad({ CELL_API_REPLICAS: "0" })).toThrow(/cellApiReplicas/);
  });

  it("takes the cluster's DNS domain from CLUSTER_DOMAIN (cluster.local by default), and refuses one that is not a DNS name", () => {
    expect(parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b" })).clusterDomain).toBe("cluster.local");
    expect(parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", CLUSTER_DOMAIN: "k8s.example.vn" })).clusterDomain).toBe("k8s.example.vn");
    expect(() => parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", CLUSTER_DOMAIN: "Cluster Local" }))).toThrow(/clusterDomain: must be a DNS name/);
  });

  it("takes the keys being rotated away from *_PREVIOUS, and refuses one without the key that replaces it, by name", () => {
    const env = { PLATFORM_DATABASE_URL: "postgres://a/b", ROUTER_SIGNING_KEY: "router-master-0000000002", ROUTER_SIGNING_KEY_PREVIOUS: "router-master-0000000001", PLATFORM_KEY: "platform-master-000000002", PLATFORM_KEY_PREVIOUS: "platform-master-000000001" };
    expect(parseConfig(configFromEnv(env))).toMatchObject({ routerSigningKeyPrevious: "router-master-0000000001", platformKeyPrevious: "platform-master-000000001" });
    expect(() => parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", ROUTER_SIGNING_KEY_PREVIOUS: "router-master-0000000001" }))).toThrow(/routerSigningKeyPrevious: needs ROUTER_SIGNING_KEY too/);
    expect(() => parseConfig(configFromEnv({ PLATFORM_DATABASE_URL: "postgres://a/b", PLATFORM_KEY_PREVIOUS: "platform-master-000000001" }))).toThrow(/platformKeyPrevious: needs PLATFORM_KEY too/);
    expect(() => parseConfig(configFromEnv({ ...env, PLATFORM_KEY_PREVIOUS: "short" }))).toThrow(/platformKeyPrevious: must be at least 16 characters/);
  });
});
