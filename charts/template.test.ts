import { describe, expect, it } from "@jest/globals";
import type * as k8s from "@kubernetes/client-node";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { cellTemplate, configFromEnv, parseConfig } from "../operator/config.js";
import { cellWorkloads, operatorRbacRules, type Cell } from "../operator/index.js";
import { find, renderChart, renderError, type Manifest } from "./testing/helm.js";

const ROOT = resolve(import.meta.dirname, "..");
const chartVersion = (parse(readFileSync(join(ROOT, "charts/lsp/Chart.yaml"), "utf8")) as { appVersion: string }).appVersion;
const deployment = (m: Manifest[], name: string) => find(m, "Deployment", name) as unknown as k8s.V1Deployment;
const container = (m: Manifest[], name: string) => deployment(m, name).spec!.template.spec!.containers[0]!;
const envOf = (c: k8s.V1Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const rulesOf = (m: Manifest) => (m as unknown as k8s.V1ClusterRole).rules ?? [];

describe("Given the default values", () => {
  const manifests = renderChart();

  it("renders the CRDs exactly as crds/*.yaml, kept on uninstall", () => {
    const crds = manifests.filter((m) => m.kind === "CustomResourceDefinition");
    const sources = readdirSync(join(ROOT, "crds")).map((f) => parse(readFileSync(join(ROOT, "crds", f), "utf8")) as { metadata: { name: string }; spec: unknown });
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(sources.map((s) => s.metadata.name).sort());
    for (const source of sources) {
      const crd = find(manifests, "CustomResourceDefinition", source.metadata.name);
      expect(crd.spec).toEqual(source.spec);
      expect(crd.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    }
  });

  it("runs two operator replicas with leader election on a Lease in the release namespace", () => {
    const d = deployment(manifests, "lsp-operator");
    expect(d.spec!.replicas).toBe(2);
    expect(envOf(container(manifests, "lsp-operator"))).toMatchObject({
      LEADER_ELECTION: "true",
      LEASE_NAMESPACE: "lsp-system",
      LEASE_NAME: "lsp-operator",
      POD_NAME: { fieldRef: { fieldPath: "metadata.name" } },
      PLATFORM_DATABASE_URL: { secretKeyRef: { name: "lsp-postgres", key: "admin-url" } },
      CELL_IMAGE_REPOSITORY: "ghcr.io/localstoreplatform/cell",
      ML_IMAGE_REPOSITORY: "ghcr.io/localstoreplatform/cell-ml",
      CELL_VERSION: chartVersion,
      SHARED_CELL_CAPACITY: "100",
      LSP_DOMAIN: "localstoreplatform.com",
      CLUSTER_DOMAIN: "cluster.local",
      CONTROL_PLANE_JWKS_URL: "http://lsp-control-plane.lsp-system.svc.cluster.local:80/.well-known/jwks.json",
    });
  });

  it("grants the operator exactly operator/rbac.ts: cluster rules in a ClusterRole, Leases only in its namespace", () => {
    const isLease = (r: k8s.V1PolicyRule) => r.apiGroups?.includes("coordination.k8s.io");
    expect(rulesOf(find(manifests, "ClusterRole", "lsp-lsp-system-operator"))).toEqual(operatorRbacRules.filter((r) => !isLease(r)));
    const role = find(manifests, "Role", "lsp-operator-leader-election");
    expect(role.metadata.namespace).toBe("lsp-system");
    expect(rulesOf(role)).toEqual(operatorRbacRules.filter(isLease));
    const binding = find(manifests, "ClusterRoleBinding", "lsp-lsp-system-operator") as unknown as k8s.V1ClusterRoleBinding;
    expect(binding.roleRef.name).toBe("lsp-lsp-system-operator");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "lsp-operator", namespace: "lsp-system" }]);
    expect(deployment(manifests, "lsp-operator").spec!.template.spec!.serviceAccountName).toBe("lsp-operator");
  });

  it("grants no wildcard and binds no built-in role such as cluster-admin", () => {
    for (const m of manifests.filter((x) => x.kind === "ClusterRole" || x.kind === "Role")) {
      for (const rule of rulesOf(m)) {
        for (const list of [rule.verbs, rule.resources, rule.apiGroups]) expect(list).not.toContain("*");
      }
    }
    const roleNames = new Set(manifests.filter((x) => x.kind === "ClusterRole" || x.kind === "Role").map((x) => x.metadata.name));
    for (const b of manifests.filter((x) => x.kind === "ClusterRoleBinding" || x.kind === "RoleBinding")) {
      expect(roleNames).toContain((b as unknown as k8s.V1RoleBinding).roleRef.name);
    }
  });

  it("lets the router only list and watch Tenants, the control plane only get, list, create and patch them, the billing sync only list and dunning only patch them", () => {
    const tenants = (verbs: string[]) => [{ apiGroups: ["localstoreplatform.com"], resources: ["tenants"], verbs }];
    expect(rulesOf(find(manifests, "ClusterRole", "lsp-lsp-system-router"))).toEqual(tenants(["list", "watch"]));
    expect(rulesOf(find(manifests, "ClusterRole", "lsp-lsp-system-control-plane"))).toEqual(tenants(["get", "list", "create", "patch"]));
    expect(rulesOf(find(manifests, "ClusterRole", "lsp-lsp-system-billing-sync"))).toEqual(tenants(["list"]));
    expect(rulesOf(find(manifests, "ClusterRole", "lsp-lsp-system-billing-dunning"))).toEqual(tenants(["patch"]));
    for (const c of ["router", "control-plane", "billing-sync", "billing-dunning"]) {
      const binding = find(manifests, "ClusterRoleBinding", `lsp-lsp-system-${c}`) as unknown as k8s.V1ClusterRoleBinding;
      expect({ role: binding.roleRef.name, subjects: binding.subjects }).toEqual({ role: `lsp-lsp-system-${c}`, subjects: [{ kind: "ServiceAccount", name: `lsp-${c}`, namespace: "lsp-system" }] });
      expect(find(manifests, "ServiceAccount", `lsp-${c}`).metadata.namespace).toBe("lsp-system");
    }
  });

  it("refuses at admission any Secret the operator's ServiceAccount writes unless it is Opaque and names no ServiceAccount", () => {
    const policy = find(manifests, "ValidatingAdmissionPolicy", "lsp-lsp-system-operator-secrets") as unknown as k8s.V1ValidatingAdmissionPolicy;
    expect(policy.spec!.failurePolicy).toBe("Fail");
    expect(policy.spec!.matchConstraints!.resourceRules).toEqual([{ apiGroups: [""], apiVersions: ["*"], resources: ["secrets"], operations: ["CREATE", "UPDATE"] }]);
    // Only this release's operator: the same ServiceAccount the ClusterRoleBinding names.
    expect(policy.spec!.matchConditions).toEqual([{ name: "from-the-operator", expression: "request.userInfo.username == 'system:serviceaccount:lsp-system:lsp-operator'" }]);
    const expressions = policy.spec!.validations!.map((v) => v.expression);
    expect(expressions).toEqual(["object.?type.orValue('Opaque') == 'Opaque'", "!object.metadata.?annotations[?'kubernetes.io/service-account.name'].hasValue()"]);
    const binding = find(manifests, "ValidatingAdmissionPolicyBinding", "lsp-lsp-system-operator-secrets") as unknown as k8s.V1ValidatingAdmissionPolicyBinding;
    expect(binding.spec).toEqual({ policyName: "lsp-lsp-system-operator-secrets", validationActions: ["Deny"] });
    const off = renderChart({ operator: { admissionPolicy: { enabled: false } } });
    expect(off.filter((m) => m.kind.startsWith("ValidatingAdmissionPolicy"))).toEqual([]);
  });

  it("routes *.<domain> to the router and app.<domain> to the control plane through one Ingress", () => {
    const ingress = find(manifests, "Ingress", "lsp-router") as unknown as k8s.V1Ingress;
    expect(ingress.spec!.rules!.map((r) => [r.host, r.http!.paths[0]!.backend.service!.name])).toEqual([
      ["app.localstoreplatform.com", "lsp-control-plane"],
      ["*.localstoreplatform.com", "lsp-router"],
    ]);
    expect(container(manifests, "lsp-router").args).toEqual(expect.arrayContaining(["--source=kubernetes", "--domain=localstoreplatform.com"]));
    expect(manifests.some((m) => m.kind === "HTTPRoute")).toBe(false);
  });

  it("runs every container as a non-root user with a read-only root filesystem and a pinned tag", () => {
    const deployments = manifests.filter((m) => m.kind === "Deployment") as unknown as k8s.V1Deployment[];
    expect(deployments).toHaveLength(4);
    for (const d of deployments) {
      const pod = d.spec!.template.spec!;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        // The billing sync runs the billing CLI of the control-plane image.
        const image = c.name === "billing-sync" ? "control-plane" : c.name;
        expect(c.image).toBe(`ghcr.io/localstoreplatform/${image}:${chartVersion}`);
        expect(c.readinessProbe).toBeDefined();
      }
    }
  });

  it("generates the router signing key and OTP pepper in a Secret kept on uninstall", () => {
    const secret = find(manifests, "Secret", "lsp-generated") as unknown as k8s.V1Secret;
    expect(secret.metadata!.annotations).toMatchObject({ "helm.sh/resource-policy": "keep" });
    expect(Buffer.from(secret.data!["router-signing-key"]!, "base64").toString()).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(envOf(container(manifests, "lsp-router")).ROUTER_SIGNING_KEY).toEqual({ secretKeyRef: { name: "lsp-generated", key: "router-signing-key" } });
    expect(envOf(container(manifests, "lsp-control-plane")).OTP_PEPPER).toEqual({ secretKeyRef: { name: "lsp-generated", key: "otp-pepper" } });
  });

  it("keeps the SMS outbox off the network unless asked for (it shows every sign-in code)", () => {
    const env = envOf(container(manifests, "lsp-control-plane"));
    expect(env.SMS_PROVIDER).toBe("outbox");
    expect(env.SMS_OUTBOX_HTTP).toBeUndefined();
    expect(envOf(container(renderChart({ controlPlane: { smsOutboxHttp: true } }), "lsp-control-plane")).SMS_OUTBOX_HTTP).toBe("true");
  });

  it("sends SMS through SpeedSMS with the token from a Secret, and says which value is missing without one", () => {
    const env = envOf(container(renderChart({ controlPlane: { smsProvider: "speedsms", smsOutboxHttp: true, speedsms: { existingSecret: "speedsms", sender: "LSP", smsType: 3 } } }), "lsp-control-plane"));
    expect(env).toMatchObject({ SMS_PROVIDER: "speedsms", SPEEDSMS_ACCESS_TOKEN: { secretKeyRef: { name: "speedsms", key: "access-token" } }, SPEEDSMS_SENDER: "LSP", SPEEDSMS_SMS_TYPE: "3" });
    expect(env.SMS_OUTBOX_HTTP).toBeUndefined();
    expect(renderError({ controlPlane: { smsProvider: "speedsms" } })).toContain("controlPlane.speedsms.existingSecret is required");
  });

  it("puts a Turnstile challenge on the public lane of sign-in codes only with a site key, its secret from a Secret", () => {
    expect(envOf(container(manifests, "lsp-control-plane")).OTP_CHALLENGE_SITE_KEY).toBeUndefined();
    const env = envOf(container(renderChart({ controlPlane: { otpChallenge: { siteKey: "0x4AAAAAAAsite", existingSecret: "turnstile" } } }), "lsp-control-plane"));
    expect(env).toMatchObject({ OTP_CHALLENGE_SITE_KEY: "0x4AAAAAAAsite", OTP_CHALLENGE_SECRET: { secretKeyRef: { name: "turnstile", key: "secret-key" } } });
    expect(renderError({ controlPlane: { otpChallenge: { siteKey: "0x4AAAAAAAsite" } } })).toContain("controlPlane.otpChallenge.existingSecret is required");
  });

  it("runs one billing sync with the control plane's database, its own ServiceAccount and the platform key the operator gives every cell", () => {
    const d = deployment(manifests, "lsp-billing-sync");
    expect(d.spec!.replicas).toBe(1);
    expect(d.spec!.strategy).toEqual({ type: "Recreate" });
    expect(d.spec!.template.spec!.serviceAccountName).toBe("lsp-billing-sync");
    const c = container(manifests, "lsp-billing-sync");
    expect([...c.command!, ...c.args!]).toEqual(["node", "--enable-source-maps", "control-plane/billing/cli.js", "sync", "--interval", "60"]);
    const platformKey = { secretKeyRef: { name: "lsp-generated", key: "platform-key" } };
    expect(envOf(c)).toMatchObject({ DATABASE_URL: envOf(container(manifests, "lsp-control-plane")).DATABASE_URL, PLATFORM_KEY: platformKey, METRICS_PORT: "9464" });
    expect(envOf(container(manifests, "lsp-operator")).PLATFORM_KEY).toEqual(platformKey);
    const secret = find(manifests, "Secret", "lsp-generated") as unknown as k8s.V1Secret;
    expect(Buffer.from(secret.data!["platform-key"]!, "base64").toString()).toMatch(/^[A-Za-z0-9]{48}$/);
  });

  it("restarts a wedged or stalled billing sync (liveness on /healthz of its metrics port) and serves its metrics through a Service", () => {
    const c = container(manifests, "lsp-billing-sync");
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: "/healthz", port: "metrics" }, failureThreshold: 6, periodSeconds: 30 });
    const service = find(manifests, "Service", "lsp-billing-sync-metrics") as unknown as k8s.V1Service;
    expect(service.spec!.selector).toEqual(deployment(manifests, "lsp-billing-sync").spec!.selector.matchLabels);
    expect(service.spec!.ports).toEqual([{ name: "metrics", port: 9464, targetPort: "metrics" }]);
  });

  it("serves the control plane's metrics on a port of their own, through a ClusterIP Service the public one and the ingress never carry", () => {
    const c = container(manifests, "lsp-control-plane");
    expect(envOf(c).METRICS_PORT).toBe("9464");
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9464 }]);
    const metrics = find(manifests, "Service", "lsp-control-plane-metrics") as unknown as k8s.V1Service;
    expect(metrics.spec).toMatchObject({ type: "ClusterIP", ports: [{ name: "metrics", port: 9464, targetPort: "metrics" }] });
    expect(metrics.spec!.selector).toEqual(deployment(manifests, "lsp-control-plane").spec!.selector.matchLabels);
    const publicService = find(manifests, "Service", "lsp-control-plane") as unknown as k8s.V1Service;
    expect(publicService.spec!.ports!.map((p) => p.name)).toEqual(["http"]);
    expect(JSON.stringify(manifests.filter((m) => m.kind === "Ingress"))).not.toContain("lsp-control-plane-metrics");
  });

  it("issues last month's invoices and runs dunning as CronJobs on Vietnamese time, with the control plane's database; only dunning gets a ServiceAccount token", () => {
    const jobs = manifests.filter((m) => m.kind === "CronJob") as unknown as k8s.V1CronJob[];
    const summary = jobs.map((j) => {
      const pod = j.spec!.jobTemplate.spec!.template.spec!;
      const c = pod.containers[0]!;
      return { name: j.metadata!.name, schedule: j.spec!.schedule, timeZone: j.spec!.timeZone, overlap: j.spec!.concurrencyPolicy, sa: pod.serviceAccountName, token: pod.automountServiceAccountToken, run: [...c.command!, ...c.args!].join(" "), image: c.image };
    });
    const cli = "node --enable-source-maps control-plane/billing/cli.js";
    const common = { timeZone: "Asia/Ho_Chi_Minh", overlap: "Forbid", image: `ghcr.io/localstoreplatform/control-plane:${chartVersion}` };
    expect(summary).toEqual([
      { name: "lsp-billing-issue", schedule: "0 1 * * *", run: `${cli} issue`, sa: undefined, token: false, ...common },
      { name: "lsp-billing-dunning", schedule: "0 9 * * *", run: `${cli} dunning --suspend-after 14`, sa: "lsp-billing-dunning", token: undefined, ...common },
    ]);
    for (const j of jobs) {
      const c = j.spec!.jobTemplate.spec!.template.spec!.containers[0]!;
      expect(envOf(c).DATABASE_URL).toEqual(envOf(container(manifests, "lsp-control-plane")).DATABASE_URL);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    }
  });

  it("gives every billing run a deadline, so one hung run cannot skip every later schedule under Forbid", () => {
    const deadlines = (ms: Manifest[]) =>
      (ms.filter((m) => m.kind === "CronJob") as unknown as k8s.V1CronJob[]).map((j) => ({
        name: j.metadata!.name,
        starting: j.spec!.startingDeadlineSeconds,
        active: j.spec!.jobTemplate.spec!.activeDeadlineSeconds,
        retries: j.spec!.jobTemplate.spec!.backoffLimit,
      }));
    expect(deadlines(manifests)).toEqual([
      { name: "lsp-billing-issue", starting: 3600, active: 10800, retries: 2 },
      { name: "lsp-billing-dunning", starting: 3600, active: 10800, retries: 2 },
    ]);
    const tuned = renderChart({ billingJobs: { activeDeadlineSeconds: 7200, startingDeadlineSeconds: 600, backoffLimit: 0 } });
    expect(deadlines(tuned).map(({ starting, active, retries }) => ({ starting, active, retries }))).toEqual([
      { starting: 600, active: 7200, retries: 0 },
      { starting: 600, active: 7200, retries: 0 },
    ]);
    expect(renderError({ billingJobs: { activeDeadlineSeconds: 0 } })).toContain("at '/billingJobs/activeDeadlineSeconds'");
  });

  it("keeps one operator and one router replica through drains with PodDisruptionBudgets", () => {
    for (const name of ["lsp-operator", "lsp-router"]) {
      const pdb = find(manifests, "PodDisruptionBudget", name) as unknown as k8s.V1PodDisruptionBudget;
      expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment(manifests, name).spec!.selector.matchLabels } });
    }
    expect(manifests.some((m) => m.kind === "PodDisruptionBudget" && m.metadata.name === "lsp-control-plane")).toBe(false);
  });

  it("creates no ServiceMonitor", () => {
    expect(manifests.filter((m) => m.kind === "ServiceMonitor")).toEqual([]);
  });
});

describe("Given billing turned off, or keyed by an existing Secret", () => {
  it("leaves the sync and the platform key out when billingSync.enabled is false", () => {
    const manifests = renderChart({ billingSync: { enabled: false } });
    expect(manifests.filter((m) => m.metadata.name.endsWith("billing-sync") || m.metadata.name.startsWith("lsp-billing-sync")).map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([]);
    expect(envOf(container(manifests, "lsp-operator"))).not.toHaveProperty("PLATFORM_KEY");
    expect((find(manifests, "Secret", "lsp-generated") as unknown as k8s.V1Secret).data).not.toHaveProperty("platform-key");
  });

  it("leaves the billing CronJobs out when billingJobs.enabled is false, and passes --vat-reduced when asked", () => {
    expect(renderChart({ billingJobs: { enabled: false } }).filter((m) => m.kind === "CronJob" || m.metadata.name.includes("billing-dunning"))).toEqual([]);
    const issue = find(renderChart({ billingJobs: { issue: { vatReduced: true } } }), "CronJob", "lsp-billing-issue") as unknown as k8s.V1CronJob;
    expect(issue.spec!.jobTemplate.spec!.template.spec!.containers[0]!.args).toEqual(["issue", "--vat-reduced"]);
  });

  it("reads the platform key from platformKey.existingSecret and generates none", () => {
    const manifests = renderChart({ billingSync: { platformKey: { existingSecret: "lsp-billing", key: "key" } } });
    const ref = { secretKeyRef: { name: "lsp-billing", key: "key" } };
    expect(envOf(container(manifests, "lsp-billing-sync")).PLATFORM_KEY).toEqual(ref);
    expect(envOf(container(manifests, "lsp-operator")).PLATFORM_KEY).toEqual(ref);
    expect((find(manifests, "Secret", "lsp-generated") as unknown as k8s.V1Secret).data).not.toHaveProperty("platform-key");
  });

  it("rotates a master key in steps: next gives cells the new key while the router keeps the old, previous keeps the old accepted after the switch", () => {
    const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
    const old = { existingSecret: "router-key-1", key: "k" };
    const next = { existingSecret: "router-key-2", key: "k" };
    // Step 1: cells accept both, the router still signs with the old key.
    const step1 = renderChart({ router: { signingKey: { ...old, next } }, billingSync: { platformKey: { existingSecret: "platform-1", key: "p", next: { existingSecret: "platform-2", key: "p" } } } });
    expect(envOf(container(step1, "lsp-operator"))).toMatchObject({ ROUTER_SIGNING_KEY: ref("router-key-2", "k"), ROUTER_SIGNING_KEY_PREVIOUS: ref("router-key-1", "k"), PLATFORM_KEY: ref("platform-2", "p"), PLATFORM_KEY_PREVIOUS: ref("platform-1", "p") });
    expect(envOf(container(step1, "lsp-router")).ROUTER_SIGNING_KEY).toEqual(ref("router-key-1", "k"));
    expect(envOf(container(step1, "lsp-billing-sync")).PLATFORM_KEY).toEqual(ref("platform-1", "p"));
    // Step 2: the router switches; the operator's keys (and so the cells') stay exactly as they were.
    const step2 = renderChart({ router: { signingKey: { ...next, previous: old } } });
    expect(envOf(container(step2, "lsp-operator"))).toMatchObject({ ROUTER_SIGNING_KEY: ref("router-key-2", "k"), ROUTER_SIGNING_KEY_PREVIOUS: ref("router-key-1", "k") });
    expect(envOf(container(step2, "lsp-router")).ROUTER_SIGNING_KEY).toEqual(ref("router-key-2", "k"));
    // Step 3: done; no previous key anywhere.
    const step3 = renderChart({ router: { signingKey: next } });
    expect(envOf(container(step3, "lsp-operator"))).not.toHaveProperty("ROUTER_SIGNING_KEY_PREVIOUS");
    expect(envOf(container(step3, "lsp-operator"))).not.toHaveProperty("PLATFORM_KEY_PREVIOUS");
    expect(renderError({ router: { signingKey: { ...old, next, previous: old } } })).toContain("router.signingKey: set next or previous, not both");
    // A rotation of the generated key would drop it from the generated Secret at step 2.
    expect(renderError({ router: { signingKey: { next } } })).toContain("router.signingKey: a rotation needs the current key in a Secret of your own");
    expect(renderError({ billingSync: { platformKey: { previous: { existingSecret: "platform-1" } } } })).toContain("billingSync.platformKey: a rotation needs the current key");
  });

  it("renders values from a chart without rotation settings (helm upgrade --reuse-values from 0.2), and a rotation's key name defaults to the current one's", () => {
    const reused = renderChart({ router: { signingKey: { next: null, previous: null } }, billingSync: { platformKey: { next: null, previous: null } } });
    expect(envOf(container(reused, "lsp-operator"))).not.toHaveProperty("ROUTER_SIGNING_KEY_PREVIOUS");
    const partial = renderChart({ router: { signingKey: { existingSecret: "router-key-1", key: "k", next: { existingSecret: "router-key-2", key: null } } } });
    expect(envOf(container(partial, "lsp-operator")).ROUTER_SIGNING_KEY).toEqual({ secretKeyRef: { name: "router-key-2", key: "k" } });
  });
});

describe("Given crds.create=false", () => {
  it("leaves the CRDs out", () => {
    const manifests = renderChart({ crds: { create: false } });
    expect(manifests.filter((m) => m.kind === "CustomResourceDefinition")).toEqual([]);
    expect(manifests.some((m) => m.kind === "Deployment")).toBe(true);
  });
});

describe("Given images, cell defaults and an operator instance", () => {
  const manifests = renderChart({
    domain: "lsp.example.vn",
    clusterDomain: "k8s.example.vn",
    images: { registry: "registry.example.vn/lsp", tag: "1.4.2" },
    router: { image: { tag: "1.4.3" } },
    operator: { instance: "blue" },
    cells: { version: "1.4.0", redisImage: "redis:8.2.1-alpine", shared: { prefix: "hcm", capacity: 40 }, api: { replicas: 3, resources: { requests: { cpu: 1, memory: "512Mi" } } } },
  });

  it("tags each image from images.tag unless the component overrides it", () => {
    expect(container(manifests, "lsp-operator").image).toBe("registry.example.vn/lsp/operator:1.4.2");
    expect(container(manifests, "lsp-control-plane").image).toBe("registry.example.vn/lsp/control-plane:1.4.2");
    expect(container(manifests, "lsp-router").image).toBe("registry.example.vn/lsp/router:1.4.3");
  });

  it("hands the cell template to the operator: version, repositories, shared prefix, capacity, instance, domain and cluster domain", () => {
    expect(envOf(container(manifests, "lsp-operator"))).toMatchObject({
      CELL_VERSION: "1.4.0",
      CELL_IMAGE_REPOSITORY: "registry.example.vn/lsp/cell",
      ML_IMAGE_REPOSITORY: "registry.example.vn/lsp/cell-ml",
      REDIS_IMAGE: "redis:8.2.1-alpine",
      SHARED_CELL_PREFIX: "hcm",
      SHARED_CELL_CAPACITY: "40",
      OPERATOR_INSTANCE: "blue",
      LSP_DOMAIN: "lsp.example.vn",
      CLUSTER_DOMAIN: "k8s.example.vn",
      CELL_API_REPLICAS: "3",
      CELL_ML_REPLICAS: "1",
      CELL_API_RESOURCES: '{"requests":{"cpu":1,"memory":"512Mi"}}',
    });
    // What the operator makes of them: the spec of the cells it creates.
    const env = envOf(container(manifests, "lsp-operator")) as Record<string, string>;
    const config = parseConfig({ ...configFromEnv(Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string"))), platformDatabaseUrl: "postgres://x/y" });
    expect(cellTemplate(config, "shared")).toMatchObject({ capacity: 40, version: "1.4.0", api: { replicas: 3, resources: { requests: { cpu: "1", memory: "512Mi" } } }, ml: { replicas: 1 } });
    expect(envOf(container(renderChart({}), "lsp-operator"))).not.toHaveProperty("CELL_API_RESOURCES");
    expect(envOf(container(manifests, "lsp-operator")).CONTROL_PLANE_JWKS_URL).toMatch(/^http:\/\/lsp-control-plane\.[a-z0-9-]+\.svc\.k8s\.example\.vn:80\/\.well-known\/jwks\.json$/);
    expect((find(manifests, "Ingress", "lsp-router") as unknown as k8s.V1Ingress).spec!.rules![1]!.host).toBe("*.lsp.example.vn");
  });
});

describe("Given metrics, a Gateway and no Ingress", () => {
  const manifests = renderChart({
    metrics: { serviceMonitor: { enabled: true, labels: { release: "prometheus" } } },
    router: { ingress: { enabled: false }, gateway: { enabled: true, parentRefs: [{ name: "public", namespace: "gateway-system" }] } },
  });

  it("keeps every metrics port off the public Services: the router's admin port and the control plane's metrics have ClusterIP Services of their own", () => {
    const exposed = renderChart({ router: { service: { type: "LoadBalancer" } }, controlPlane: { service: { type: "LoadBalancer" } } });
    const ports = (name: string) => (find(exposed, "Service", name) as unknown as k8s.V1Service).spec!;
    expect(ports("lsp-router").ports!.map((p) => p.name)).toEqual(["http"]);
    expect(ports("lsp-control-plane").ports!.map((p) => p.name)).toEqual(["http"]);
    expect(ports("lsp-router-admin")).toMatchObject({ type: "ClusterIP", ports: [{ name: "http-admin", port: 9090, targetPort: "http-admin" }] });
    expect(ports("lsp-control-plane-metrics")).toMatchObject({ type: "ClusterIP", ports: [{ name: "metrics", port: 9464, targetPort: "metrics" }] });
  });

  it("creates a ServiceMonitor per component on its metrics port", () => {
    const monitors = manifests.filter((m) => m.kind === "ServiceMonitor") as unknown as { metadata: { name: string; labels: Record<string, string> }; spec: { endpoints: { port: string }[] } }[];
    expect(monitors.map((m) => [m.metadata.name, m.spec.endpoints[0]!.port]).sort()).toEqual([
      ["lsp-billing-sync", "metrics"],
      ["lsp-control-plane", "metrics"],
      ["lsp-operator", "http-metrics"],
      ["lsp-router", "http-admin"],
    ]);
    for (const m of monitors) expect(m.metadata.labels.release).toBe("prometheus");
  });

  it("scrapes every cell's API and ML pods, wherever the operator put them, through one PodMonitor", () => {
    const monitor = find(manifests, "PodMonitor", "lsp-cells") as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { namespaceSelector: { any: boolean }; selector: { matchLabels: Record<string, string>; matchExpressions: { key: string; operator: string; values: string[] }[] }; podMetricsEndpoints: { port: string; path: string }[] };
    };
    expect(monitor.metadata.labels.release).toBe("prometheus");
    expect(monitor.spec.namespaceSelector).toEqual({ any: true });
    // The pods the operator really creates for a cell (operator/controllers/cell/manifests.ts).
    const cell: Cell = { apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", metadata: { name: "shared-1", uid: "u1", generation: 1 }, spec: { class: "shared", capacity: 100, version: "0.1.0", api: { replicas: 1 }, ml: { replicas: 1 }, redis: { enabled: true }, deletionPolicy: "Retain" } };
    const ctx = { config: { cellImageRepository: "cell", mlImageRepository: "cell-ml", redisImage: "redis" }, commonLabels: {} };
    const pods = (cellWorkloads(cell, ctx).filter((o) => o.kind === "Deployment") as k8s.V1Deployment[]).map((d) => d.spec!.template);
    const selected = pods.filter(({ metadata }) => {
      const labels = metadata!.labels!;
      return Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => labels[k] === v) && monitor.spec.selector.matchExpressions.every((e) => e.values.includes(labels[e.key]!));
    });
    expect(selected.map((p) => p.metadata!.labels!["app.kubernetes.io/component"]).sort()).toEqual(["api", "ml"]);
    for (const pod of selected) {
      const ports = pod.spec!.containers.flatMap((c) => c.ports ?? []).map((p) => p.name);
      expect(monitor.spec.podMetricsEndpoints.filter((e) => ports.includes(e.port))).toHaveLength(1);
    }
  });

  it("routes *.<domain> through HTTPRoutes on the given Gateway instead of an Ingress", () => {
    expect(manifests.some((m) => m.kind === "Ingress")).toBe(false);
    const route = find(manifests, "HTTPRoute", "lsp-router") as unknown as { spec: { hostnames: string[]; parentRefs: object[] } };
    expect(route.spec).toMatchObject({ hostnames: ["*.localstoreplatform.com"], parentRefs: [{ name: "public", namespace: "gateway-system" }] });
    expect((find(manifests, "HTTPRoute", "lsp-control-plane") as unknown as { spec: { hostnames: string[] } }).spec.hostnames).toEqual(["app.localstoreplatform.com"]);
  });
});

describe("Given the same release name installed in two namespaces", () => {
  const clusterScoped = ["ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"];
  const names = (namespace: string) =>
    renderChart({ crds: { create: false } }, { namespace })
      .filter((m) => clusterScoped.includes(m.kind))
      .map((m) => `${m.kind}/${m.metadata.name}`);

  it("gives their cluster-scoped objects different names, so the second install does not collide with the first", () => {
    const [a, b] = [names("lsp-system"), names("lsp-staging")];
    expect(a).toHaveLength(14);
    expect(a.filter((n) => b.includes(n))).toEqual([]);
    expect(b).toContain("ClusterRole/lsp-lsp-staging-operator");
  });

  it("binds each release's ClusterRoles to its own ServiceAccounts and matches its own operator in the admission policy", () => {
    const manifests = renderChart({}, { namespace: "lsp-staging" });
    for (const b of manifests.filter((m) => m.kind === "ClusterRoleBinding") as unknown as k8s.V1ClusterRoleBinding[]) {
      expect(b.subjects!.map((s) => s.namespace)).toEqual(["lsp-staging"]);
    }
    const policy = find(manifests, "ValidatingAdmissionPolicy", "lsp-lsp-staging-operator-secrets") as unknown as k8s.V1ValidatingAdmissionPolicy;
    expect(policy.spec!.matchConditions![0]!.expression).toContain("'system:serviceaccount:lsp-staging:lsp-operator'");
  });
});

describe("Given security contexts set per component", () => {
  const pods = (ms: Manifest[]) => [
    ...(ms.filter((m) => m.kind === "Deployment") as unknown as k8s.V1Deployment[]).map((d) => ({ name: d.metadata!.name!, pod: d.spec!.template.spec! })),
    ...(ms.filter((m) => m.kind === "CronJob") as unknown as k8s.V1CronJob[]).map((j) => ({ name: j.metadata!.name!, pod: j.spec!.jobTemplate.spec!.template.spec! })),
  ];
  const hardenedPod = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } };
  const hardenedContainer = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

  it("defaults every pod and container, billing jobs included, to the hardened contexts", () => {
    const all = pods(renderChart());
    expect(all.map((p) => p.name)).toEqual(["lsp-billing-sync", "lsp-control-plane", "lsp-operator", "lsp-router", "lsp-billing-issue", "lsp-billing-dunning"]);
    for (const { pod } of all) {
      expect(pod.securityContext).toEqual(hardenedPod);
      for (const c of pod.containers) expect(c.securityContext).toEqual(hardenedContainer);
    }
  });

  it("drops the fixed uid where a value is null (OpenShift's restricted SCC assigns one) and changes only that component", () => {
    const openShift = { podSecurityContext: { runAsUser: null, runAsGroup: null, fsGroup: null } };
    const manifests = renderChart({
      router: { ...openShift, containerSecurityContext: { readOnlyRootFilesystem: false } },
      billingJobs: { podSecurityContext: { supplementalGroups: [4000] } },
    });
    const byName = new Map(pods(manifests).map((p) => [p.name, p.pod]));
    expect(byName.get("lsp-router")!.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(byName.get("lsp-router")!.containers[0]!.securityContext).toEqual({ ...hardenedContainer, readOnlyRootFilesystem: false });
    expect(byName.get("lsp-billing-dunning")!.securityContext).toEqual({ ...hardenedPod, supplementalGroups: [4000] });
    for (const name of ["lsp-operator", "lsp-control-plane", "lsp-billing-sync"]) {
      expect(byName.get(name)!.securityContext).toEqual(hardenedPod);
      expect(byName.get(name)!.containers[0]!.securityContext).toEqual(hardenedContainer);
    }
  });

  it("refuses a misspelt field instead of ignoring it", () => {
    expect(renderError({ operator: { podSecurityContext: { runAsUsr: 1 } } })).toContain("at '/operator/podSecurityContext': additional properties 'runAsUsr' not allowed");
    expect(renderError({ controlPlane: { containerSecurityContext: { privileged: "no" } } })).toContain("at '/controlPlane/containerSecurityContext/privileged'");
  });
});

describe("Given one value changed between two renders", () => {
  it("changes only the router's Deployment when router.logLevel changes", () => {
    // The generated Secret is random under `helm template` (no lookup); helm upgrade keeps it (install test).
    const comparable = (ms: Manifest[]) => ms.filter((m) => !(m.kind === "Secret" && m.metadata.name === "lsp-generated"));
    const before = comparable(renderChart());
    const after = comparable(renderChart({ router: { logLevel: "debug" } }));
    const changed = after.filter((m, i) => JSON.stringify(m) !== JSON.stringify(before[i])).map((m) => `${m.kind}/${m.metadata.name}`);
    expect(changed).toEqual(["Deployment/lsp-router"]);
  });
});

describe("Given values the schema or the chart must refuse", () => {
  it.each([
    [{ operater: { replicas: 2 } }, "additional properties 'operater' not allowed"],
    [{ router: { ingres: { enabled: true } } }, "at '/router': additional properties 'ingres' not allowed"],
    [{ operator: { replicas: "two" } }, "at '/operator/replicas': got string, want integer"],
    [{ crds: { create: "yes" } }, "at '/crds/create': got string, want boolean"],
    [{ domain: "Not A Domain" }, "at '/domain'"],
    [{ cells: { shared: { prefix: "Shared_Cells", capacity: 100 } } }, "at '/cells/shared/prefix'"],
    [{ operator: { logLevel: "verbose" } }, "at '/operator/logLevel'"],
  ])("refuses %j naming the field: %s", (values, message) => {
    const error = renderError(values);
    expect(error).toContain("values don't meet the specifications of the schema");
    expect(error).toContain(message);
  });

  it("refuses several control-plane replicas without shared signing keys, saying why", () => {
    expect(renderError({ controlPlane: { replicas: 2 } })).toContain("controlPlane.signingKeys.existingSecret is required when controlPlane.replicas > 1");
    expect(renderError({ controlPlane: { replicas: 2, signingKeys: { existingSecret: "lsp-signing-keys" } } })).toBeUndefined();
  });

  it("refuses two operator replicas without leader election", () => {
    expect(renderError({ operator: { leaderElection: { enabled: false } } })).toContain("operator.leaderElection.enabled must be true when operator.replicas > 1");
    expect(renderError({ operator: { replicas: 1, leaderElection: { enabled: false } } })).toBeUndefined();
  });

  it("refuses a Gateway route without a Gateway", () => {
    expect(renderError({ router: { gateway: { enabled: true } } })).toContain("router.gateway.parentRefs must name at least one Gateway");
  });
});
