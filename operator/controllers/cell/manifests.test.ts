import { describe, expect, it } from "@jest/globals";
import { deriveCellKey } from "../../../common/cell-keys.js";
import { cellApiEndpoint, cellNamespace } from "../../names.js";
import { admits, type Endpoint } from "../../testing/network-policy.js";
import type { Cell } from "../../api/v1alpha1/index.js";
import type * as k8s from "@kubernetes/client-node";
import {
  cellApiDeployment,
  cellDatabaseSecret,
  cellLimitRange,
  cellMlDeployment,
  cellNamespaceManifest,
  cellNetworkPolicy,
  cellPlatformKeys,
  cellPlatformSecret,
  cellRedisDeployment,
  cellResourceQuota,
  cellWorkloads,
  DATABASE_SECRET,
  type ManifestContext,
} from "./manifests.js";

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

  it("gives the cell API its own platform key (derived from the master for its endpoint) by Secret reference when the platform has one, and no key otherwise", () => {
    const keyed: ManifestContext = { ...ctx, config: { ...ctx.config, platformKey: "platform-key-0123456789" } };
    expect(cellPlatformKeys(cell(), keyed)).toEqual({ ROUTER_SIGNING_KEY: "", PLATFORM_KEY: deriveCellKey("platform-key-0123456789", "platform", cellApiEndpoint(cell().metadata.name)) });
    const env = cellApiDeployment(cell(), keyed).spec!.template.spec!.containers[0]!.env!;
    expect(env.find((e) => e.name === "PLATFORM_KEY")).toEqual({ name: "PLATFORM_KEY", valueFrom: { secretKeyRef: { name: "cell-platform", key: "PLATFORM_KEY" } } });
    // Without one the cell serves no usage feed (an empty key would fail its config check).
    expect(cellPlatformKeys(cell(), ctx)).not.toHaveProperty("PLATFORM_KEY");
    expect(cellApiDeployment(cell(), ctx).spec!.template.spec!.containers[0]!.env!.map((e) => e.name)).not.toContain("PLATFORM_KEY");
  });

  it("gives each cell keys of its own, never a master, and during a rotation the keys derived from the previous masters too", () => {
    const masters: ManifestContext = { ...ctx, config: { ...ctx.config, routerSigningKey: "router-master-0000000002", platformKey: "platform-master-000000002" } };
    const a = cell();
    const b = { ...cell(), metadata: { ...cell().metadata, name: "shared-2" } };
    const secretA = cellPlatformKeys(a, masters);
    const secretB = cellPlatformKeys(b, masters);
    expect(secretA).toEqual({
      ROUTER_SIGNING_KEY: deriveCellKey("router-master-0000000002", "router-signing", cellApiEndpoint(a.metadata.name)),
      PLATFORM_KEY: deriveCellKey("platform-master-000000002", "platform", cellApiEndpoint(a.metadata.name)),
    });
    expect(secretB.ROUTER_SIGNING_KEY).not.toBe(secretA.ROUTER_SIGNING_KEY);
    expect(secretB.PLATFORM_KEY).not.toBe(secretA.PLATFORM_KEY);
    expect(JSON.stringify(cellWorkloads(a, masters))).not.toMatch(/router-master|platform-master/);
    // As data, not stringData: server-side apply then removes a key the operator stops sending.
    const secret = cellPlatformSecret(a, masters);
    expect(secret.stringData).toBeUndefined();
    expect(Buffer.from(secret.data!.PLATFORM_KEY!, "base64").toString()).toBe(secretA.PLATFORM_KEY);
    // Rotating: cells accept the key derived from the master being replaced, under *_PREVIOUS.
    const rotating: ManifestContext = { ...masters, config: { ...masters.config, routerSigningKeyPrevious: "router-master-0000000001", platformKeyPrevious: "platform-master-000000001" } };
    expect(cellPlatformKeys(a, rotating)).toMatchObject({
      ROUTER_SIGNING_KEY_PREVIOUS: deriveCellKey("router-master-0000000001", "router-signing", cellApiEndpoint(a.metadata.name)),
      PLATFORM_KEY_PREVIOUS: deriveCellKey("platform-master-000000001", "platform", cellApiEndpoint(a.metadata.name)),
    });
    const env = cellApiDeployment(a, rotating).spec!.template.spec!.containers[0]!.env!;
    expect(env.find((e) => e.name === "ROUTER_SIGNING_KEY_PREVIOUS")).toEqual({ name: "ROUTER_SIGNING_KEY_PREVIOUS", valueFrom: { secretKeyRef: { name: "cell-platform", key: "ROUTER_SIGNING_KEY_PREVIOUS", optional: true } } });
    expect(env.find((e) => e.name === "PLATFORM_KEY_PREVIOUS")).toEqual({ name: "PLATFORM_KEY_PREVIOUS", valueFrom: { secretKeyRef: { name: "cell-platform", key: "PLATFORM_KEY_PREVIOUS", optional: true } } });
    // Optional: when a rotation ends the Secret loses the key a moment before the pods roll, and an
    // old pod restarting then must still start.
    expect(cellApiDeployment(a, masters).spec!.template.spec!.containers[0]!.env!.map((e) => e.name)).not.toContain("ROUTER_SIGNING_KEY_PREVIOUS");
  });

  it("writes the cluster's DNS domain into the endpoint its keys are bound to and the Redis and ML URLs", () => {
    const elsewhere: ManifestContext = { ...ctx, config: { ...ctx.config, clusterDomain: "k8s.example.vn", platformKey: "platform-master-000000002" } };
    expect(cellApiEndpoint("shared-1", "k8s.example.vn")).toBe("http://cell-api.cell-shared-1.svc.k8s.example.vn:8080");
    const env = Object.fromEntries(cellApiDeployment(cell(), elsewhere).spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env.REDIS_URL).toBe("redis://:$(REDIS_PASSWORD)@redis.cell-shared-1.svc.k8s.example.vn:6379");
    expect(env.ML_GRPC_URL).toBe("cell-ml.cell-shared-1.svc.k8s.example.vn:8090");
    expect(cellPlatformKeys(cell(), elsewhere).PLATFORM_KEY).toBe(deriveCellKey("platform-master-000000002", "platform", "http://cell-api.cell-shared-1.svc.k8s.example.vn:8080"));
    // The default stays cluster.local.
    expect(Object.fromEntries(cellApiDeployment(cell(), ctx).spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value])).ML_GRPC_URL).toBe("cell-ml.cell-shared-1.svc.cluster.local:8090");
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

  it("lets only the router and the billing sync reach the API, only on its port, and nothing from outside the cell reach ML or Redis", () => {
    const other = { ...cell(), metadata: { ...cell().metadata, name: "shared-2", uid: "00000000-0000-0000-0000-000000000002" } };
    const policies = [cell(), other].flatMap((c) => cellWorkloads(c, ctx).filter((o): o is k8s.V1NetworkPolicy => o.kind === "NetworkPolicy"));
    const inCell = (c: Cell, template: k8s.V1Deployment): Endpoint => ({ namespace: cellNamespace(c.metadata.name), namespaceLabels: cellNamespaceManifest(c, ctx).metadata!.labels!, podLabels: template.spec!.template.metadata!.labels! });
    const api = inCell(cell(), cellApiDeployment(cell(), ctx));
    const ml = inCell(cell(), cellMlDeployment(cell(), ctx));
    const redis = inCell(cell(), cellRedisDeployment(cell(), ctx));
    const otherApi = inCell(other, cellApiDeployment(other, ctx));
    const platform = (component: string, role = "router"): Endpoint => ({ namespace: "lsp-system", namespaceLabels: { "localstoreplatform.com/role": role }, podLabels: { "app.kubernetes.io/name": "lsp", "app.kubernetes.io/component": component } });
    const prometheus: Endpoint = { namespace: "monitoring", namespaceLabels: { "localstoreplatform.com/role": "monitoring" }, podLabels: { app: "prometheus" } };
    const stranger: Endpoint = { namespace: "default", namespaceLabels: {}, podLabels: { "app.kubernetes.io/component": "router" } };
    const reach = (from: Endpoint, to: Endpoint, port: number) => admits(policies, from, to, port);
    // Who may call the API's port.
    expect(reach(platform("router"), api, 8080)).toBe(true);
    expect(reach(platform("billing-sync"), api, 8080)).toBe(true);
    expect(reach(platform("billing-sync", "control-plane"), api, 8080)).toBe(true);
    for (const caller of ["operator", "control-plane", "billing-dunning", "billing-issue"]) expect([caller, reach(platform(caller), api, 8080)]).toEqual([caller, false]);
    expect(reach(stranger, api, 8080)).toBe(false);
    expect(reach(otherApi, api, 8080)).toBe(false);
    expect(reach(platform("router"), api, 9999)).toBe(false);
    // ML and Redis: the cell's own API only (and Prometheus on ML's metrics port).
    expect(reach(api, ml, 8090)).toBe(true);
    expect(reach(api, redis, 6379)).toBe(true);
    for (const from of [platform("router"), platform("billing-sync"), platform("operator"), otherApi, stranger]) {
      expect(reach(from, ml, 8090)).toBe(false);
      expect(reach(from, redis, 6379)).toBe(false);
    }
    expect(reach(prometheus, ml, 9090)).toBe(true);
    expect(reach(prometheus, ml, 8090)).toBe(false);
    expect(reach(prometheus, redis, 6379)).toBe(false);
    expect(reach(prometheus, api, 8080)).toBe(true);
  });

  it("owns every object through a controller reference to the Cell", () => {
    for (const o of cellWorkloads(cell(), ctx)) {
      expect(o.metadata!.ownerReferences).toEqual([{ apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", name: "shared-1", uid: "00000000-0000-0000-0000-000000000001", controller: true, blockOwnerDeletion: true }]);
    }
  });

  it("names each Service port for its protocol: the ML pod's gRPC port is grpc (HTTP/2), not http", () => {
    const services = cellWorkloads(cell(), ctx).filter((o): o is k8s.V1Service => o.kind === "Service");
    expect(Object.fromEntries(services.map((s) => [s.metadata!.name, s.spec!.ports]))).toEqual({
      redis: [{ name: "redis", port: 6379, targetPort: 6379, protocol: "TCP" }],
      "cell-api": [{ name: "http", port: 8080, targetPort: 8080, protocol: "TCP" }],
      "cell-ml": [{ name: "grpc", port: 8090, targetPort: 8090, protocol: "TCP", appProtocol: "kubernetes.io/h2c" }],
    });
  });
});

describe("Given the pods of a Cell", () => {
  const deployments = (c: Cell, context = ctx) => cellWorkloads(c, context).filter((o): o is k8s.V1Deployment => o.kind === "Deployment");

  it("labels the namespace so Pod Security admission enforces the restricted profile", () => {
    expect(cellNamespaceManifest(cell(), ctx).metadata!.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
  });

  it("hardens every pod to the restricted profile: non-root, RuntimeDefault seccomp, no escalation, no capabilities, read-only root", () => {
    const users: Record<string, number> = {};
    for (const d of deployments(cell())) {
      const pod = d.spec!.template.spec!;
      users[d.metadata!.name!] = pod.securityContext!.runAsUser!;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.securityContext!.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    }
    // Redis too runs as its image's non-root user, not as root.
    expect(users).toEqual({ redis: 999, "cell-api": 10001, "cell-ml": 10001 });
  });

  it("gives each process an emptyDir where it writes on the read-only root: /tmp for Node, /data for Redis", () => {
    const mounts = Object.fromEntries(deployments(cell()).map((d) => [d.metadata!.name, d.spec!.template.spec!.containers[0]!.volumeMounts!.map((m) => m.mountPath)]));
    expect(mounts).toEqual({ redis: ["/data"], "cell-api": ["/tmp"], "cell-ml": ["/tmp"] });
    for (const d of deployments(cell())) for (const v of d.spec!.template.spec!.volumes!) expect(v.emptyDir).toBeDefined();
  });

  it("gives every container requests and a memory limit, from the spec where it sets them and defaults otherwise", () => {
    for (const d of deployments(cell())) {
      const r = d.spec!.template.spec!.containers[0]!.resources!;
      expect(Object.keys(r.requests!).sort()).toEqual(["cpu", "memory"]);
      expect(r.limits!.memory).toBeDefined();
    }
    // The fixture's spec.api.resources.requests.cpu wins; memory keeps the default.
    expect(cellApiDeployment(cell(), ctx).spec!.template.spec!.containers[0]!.resources).toEqual({ requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } });
    expect(cellMlDeployment(cell({ ml: { replicas: 1, resources: { requests: { cpu: "2" } } } }), ctx).spec!.template.spec!.containers[0]!.resources!.requests).toEqual({ cpu: "2", memory: "256Mi" });
  });

  it("runs Redis with Recreate (never two at once), TCP probes and a maxmemory below its memory limit", () => {
    const redis = cellRedisDeployment(cell(), ctx);
    expect(redis.spec!.strategy).toEqual({ type: "Recreate" });
    const c = redis.spec!.template.spec!.containers[0]!;
    expect(c.readinessProbe?.tcpSocket?.port).toBe(6379);
    expect(c.livenessProbe?.tcpSocket?.port).toBe(6379);
    expect(c.args).toEqual(expect.arrayContaining(["--maxmemory", "128mb", "--maxmemory-policy", "volatile-lru"]));
    expect(c.resources!.limits!.memory).toBe("192Mi");
    // The API and ML keep rolling one pod at a time with none unavailable.
    expect(cellApiDeployment(cell(), ctx).spec!.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  it("caps CPU and memory in the quota, with a LimitRange so a pod that declares nothing is still admitted", () => {
    expect(cellResourceQuota(cell(), ctx).spec!.hard).toMatchObject({ "requests.cpu": "1400m", "requests.memory": "1792Mi", "limits.memory": "3968Mi", pods: "10" });
    expect(cellLimitRange(cell(), ctx).spec!.limits).toEqual([{ type: "Container", defaultRequest: { cpu: "50m", memory: "64Mi" }, _default: { memory: "256Mi" } }]);
    expect(cellWorkloads(cell(), ctx).map((o) => o.kind)).toContain("LimitRange");
  });
});

describe("Given the Secret data a cell's API reads at start", () => {
  const checksum = (d: k8s.V1Deployment) => d.spec!.template.metadata!.annotations?.["localstoreplatform.com/secrets-checksum"];
  const keyed = (routerSigningKey: string): ManifestContext => ({ ...ctx, config: { ...ctx.config, routerSigningKey } });

  it("stamps a digest of it on the API pod template, so a rotated signing key or database password rolls the pods", () => {
    const before = checksum(cellApiDeployment(cell(), keyed("signing-key-0000000001"), { databaseSecretChecksum: "a" }));
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(cellApiDeployment(cell(), keyed("signing-key-0000000001"), { databaseSecretChecksum: "a" }))).toBe(before);
    expect(checksum(cellApiDeployment(cell(), keyed("signing-key-0000000002"), { databaseSecretChecksum: "a" }))).not.toBe(before);
    expect(checksum(cellApiDeployment(cell(), keyed("signing-key-0000000001"), { databaseSecretChecksum: "b" }))).not.toBe(before);
    expect(checksum(cellApiDeployment(cell(), { ...keyed("signing-key-0000000001"), config: { ...keyed("signing-key-0000000001").config, platformKey: "platform-key-0123456789" } }, { databaseSecretChecksum: "a" }))).not.toBe(before);
  });

  it("carries no secret value in the pod template, leaves the ML pod (which reads no Secret) alone, and rolls Redis only with the database Secret", () => {
    const api = cellApiDeployment(cell(), keyed("signing-key-0000000001"));
    expect(JSON.stringify(api)).not.toContain("signing-key-0000000001");
    expect(checksum(cellMlDeployment(cell(), keyed("signing-key-0000000002")))).toBeUndefined();
    expect(checksum(cellRedisDeployment(cell(), keyed("signing-key-0000000002")))).toBeUndefined();
    expect(checksum(cellRedisDeployment(cell(), keyed("signing-key-0000000002"), { databaseSecretChecksum: "abc" }))).toBe("abc");
  });

  it("puts a password on the cell's Redis, from the database Secret, which the API's REDIS_URL carries", () => {
    const secret = cellDatabaseSecret(cell(), ctx, "postgres://u:p@db/lsp", "db-password", "redis-password-0001");
    expect(secret.stringData).toMatchObject({ REDIS_PASSWORD: "redis-password-0001" });
    const fromDatabaseSecret = { valueFrom: { secretKeyRef: { name: DATABASE_SECRET, key: "REDIS_PASSWORD" } } };
    const redis = cellRedisDeployment(cell(), ctx).spec!.template.spec!.containers[0]!;
    expect(redis.env).toEqual([{ name: "REDIS_PASSWORD", ...fromDatabaseSecret }]);
    expect(redis.args!.slice(-2)).toEqual(["--requirepass", "$(REDIS_PASSWORD)"]);
    const apiEnv = cellApiDeployment(cell(), ctx).spec!.template.spec!.containers[0]!.env!;
    const at = apiEnv.findIndex((e) => e.name === "REDIS_PASSWORD");
    expect(apiEnv[at]).toEqual({ name: "REDIS_PASSWORD", ...fromDatabaseSecret });
    // Defined before REDIS_URL, or the kubelet would not expand it there.
    expect(apiEnv[at + 1]).toEqual({ name: "REDIS_URL", value: expect.stringMatching(/^redis:\/\/:\$\(REDIS_PASSWORD\)@redis\.[a-z0-9-]+\.svc\.cluster\.local:6379$/) });
  });
});
