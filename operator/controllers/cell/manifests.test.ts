import { describe, expect, it } from "@jest/globals";
import type { Cell } from "../../api/v1alpha1/index.js";
import { cellApiDeployment, cellMlDeployment, cellNamespaceManifest, cellNetworkPolicy, cellPlatformSecret, cellResourceQuota, cellWorkloads, type ManifestContext } from "./manifests.js";

const ctx: ManifestContext = {
  config: { cellImageRepository: "ghcr.io/localstoreplatform/cell", mlImageRepository: "ghcr.io/localstoreplatform/cell-ml", redisImage: "redis:8.2-alpine" },
  commonLabels: { "app.kubernetes.io/managed-by": "lsp-operator" },
};
const cell = (spec: Partial<Cell["spec"]> = {}): Cell => ({
  apiVersion: "localstoreplatform.com/v1alpha1",
  kind: "Cell",
  metadata: { name: "shared-1", uid: "00000000-0000-0000-0000-000000000001", generation: 1 },
  spec: { class: "shared", capacity: 100, version: "0.1.0", api: { replicas: 2, resources: { requests: { cpu: "250m" } } }, ml: { replicas: 1 }, redis: { enabled: true }, deletionPolicy: "Retain", ...spec },
});

describe("Given a Cell", () => {
  it("builds its namespace, isolation policy, quota and API Deployment (snapshot)", () => {
    expect({ ns: cellNamespaceManifest(cell(), ctx), np: cellNetworkPolicy(cell(), ctx), quota: cellResourceQuota(cell(), ctx), api: cellApiDeployment(cell(), ctx) }).toMatchSnapshot();
  });

  it("runs the image tag of spec.version and passes the database URL only by Secret reference", () => {
    const api = cellApiDeployment(cell({ version: "1.4.2" }), ctx);
    const container = api.spec!.template.spec!.containers[0]!;
    expect(container.image).toBe("ghcr.io/localstoreplatform/cell:1.4.2");
    expect(container.env!.find((e) => e.name === "DATABASE_URL")).toEqual({ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "cell-database", key: "DATABASE_URL" } } });
  });

  it("gives the cell API the platform key by Secret reference when the platform has one, and no key otherwise", () => {
    const keyed: ManifestContext = { ...ctx, config: { ...ctx.config, platformKey: "platform-key-0123456789" } };
    expect(cellPlatformSecret(cell(), keyed).stringData).toMatchObject({ PLATFORM_KEY: "platform-key-0123456789" });
    const env = cellApiDeployment(cell(), keyed).spec!.template.spec!.containers[0]!.env!;
    expect(env.find((e) => e.name === "PLATFORM_KEY")).toEqual({ name: "PLATFORM_KEY", valueFrom: { secretKeyRef: { name: "cell-platform", key: "PLATFORM_KEY" } } });
    // Without one the cell serves no usage feed (an empty key would fail its config check).
    expect(cellPlatformSecret(cell(), ctx).stringData).not.toHaveProperty("PLATFORM_KEY");
    expect(cellApiDeployment(cell(), ctx).spec!.template.spec!.containers[0]!.env!.map((e) => e.name)).not.toContain("PLATFORM_KEY");
  });

  it("leaves Redis out (and its URL) when redis.enabled is false", () => {
    const objects = cellWorkloads(cell({ redis: { enabled: false } }), ctx);
    expect(objects.map((o) => `${o.kind}/${o.metadata!.name}`)).not.toContain("Deployment/redis");
    const api = objects.find((o) => o.kind === "Deployment" && o.metadata!.name === "cell-api") as ReturnType<typeof cellApiDeployment>;
    expect(api.spec!.template.spec!.containers[0]!.env!.map((e) => e.name)).not.toContain("REDIS_URL");
  });

  it("gives the ML pod a metrics port that, besides the API port, only the monitoring namespace may reach", () => {
    const ml = cellMlDeployment(cell(), ctx).spec!.template.spec!.containers[0]!;
    expect(ml.ports).toEqual([
      { name: "grpc", containerPort: 8090 },
      { name: "metrics", containerPort: 9090 },
    ]);
    expect(ml.env).toContainEqual({ name: "ML_HTTP_PORT", value: "9090" });
    const scrape = cellNetworkPolicy(cell(), ctx).spec!.ingress!.find((rule) => rule._from?.[0]?.namespaceSelector?.matchLabels?.["localstoreplatform.com/role"] === "monitoring");
    expect(scrape?.ports?.map((p) => p.port)).toEqual([8080, 9090]);
  });

  it("owns every object through a controller reference to the Cell", () => {
    for (const o of cellWorkloads(cell(), ctx)) {
      expect(o.metadata!.ownerReferences).toEqual([{ apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", name: "shared-1", uid: "00000000-0000-0000-0000-000000000001", controller: true, blockOwnerDeletion: true }]);
    }
  });
});
