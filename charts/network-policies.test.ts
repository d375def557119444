// The chart's NetworkPolicies for the platform's own pods (templates/networkpolicies.yaml), asked
// connection by connection through the same model of networking.k8s.io/v1 the cells' policies are
// tested with (the test clusters enforce no policy).
import { describe, expect, it } from "@jest/globals";
import type * as k8s from "@kubernetes/client-node";
import { admits, type Endpoint } from "../operator/testing/network-policy.js";
import { renderChart, type Manifest } from "./testing/helm.js";

const policiesOf = (m: Manifest[]) => m.filter((o): o is Manifest => o.kind === "NetworkPolicy") as unknown as k8s.V1NetworkPolicy[];
const podLabelsOf = (m: Manifest[], deployment: string) =>
  (m.find((o) => o.kind === "Deployment" && o.metadata.name === deployment) as unknown as k8s.V1Deployment).spec!.template.metadata!.labels!;

describe("Given the chart's NetworkPolicies", () => {
  const manifests = renderChart({});
  const policies = policiesOf(manifests);
  const pod = (deployment: string): Endpoint => ({ namespace: "lsp-system", namespaceLabels: { "localstoreplatform.com/role": "router" }, podLabels: podLabelsOf(manifests, deployment) });
  const from = {
    internet: { namespace: "ingress-nginx", namespaceLabels: {}, podLabels: { app: "ingress-nginx" } },
    cell: { namespace: "cell-shared-1", namespaceLabels: { "app.kubernetes.io/managed-by": "lsp-operator" }, podLabels: { "app.kubernetes.io/component": "api" } },
    prometheus: { namespace: "monitoring", namespaceLabels: { "localstoreplatform.com/role": "monitoring" }, podLabels: { app: "prometheus" } },
    neighbour: pod("lsp-router"),
  } satisfies Record<string, Endpoint>;
  const reach = (source: Endpoint, deployment: string, port: number) => admits(policies, source, pod(deployment), port);

  it("keeps the router's and the control plane's HTTP ports open to everyone (the ingress controller, browsers, cells' JWKS reads)", () => {
    for (const source of Object.values(from)) {
      expect(reach(source, "lsp-router", 8080)).toBe(true);
      expect(reach(source, "lsp-control-plane", 8080)).toBe(true);
    }
  });

  it("opens every metrics and admin port to the monitoring namespace only", () => {
    const metricsPorts: [string, number][] = [["lsp-router", 9090], ["lsp-control-plane", 9464], ["lsp-operator", 8081], ["lsp-billing-sync", 9464]];
    for (const [deployment, port] of metricsPorts) {
      expect([deployment, port, reach(from.prometheus, deployment, port)]).toEqual([deployment, port, true]);
      for (const source of [from.internet, from.cell, from.neighbour]) expect([deployment, port, reach(source, deployment, port)]).toEqual([deployment, port, false]);
    }
  });

  it("lets nothing else into the operator or the billing sync", () => {
    for (const source of Object.values(from)) {
      expect(reach(source, "lsp-operator", 8080)).toBe(false);
      expect(reach(source, "lsp-billing-sync", 8080)).toBe(false);
    }
  });

  it("ships none when networkPolicy.enabled is false, and none for a billing sync that is off", () => {
    expect(policiesOf(renderChart({ networkPolicy: { enabled: false } }))).toEqual([]);
    expect(policiesOf(renderChart({ billingSync: { enabled: false } })).map((p) => p.metadata!.name).sort()).toEqual(["lsp-control-plane", "lsp-operator", "lsp-router"]);
  });
});
