// Which connections a set of NetworkPolicies admits, by the rules of networking.k8s.io/v1, for
// the subset the operator writes (ingress only; matchLabels and `In` expressions; namespace and pod
// selectors in one peer meaning both; numeric TCP ports). The test clusters (kwok) run no network
// plugin, so nothing enforces policies there: the unit tests ask this model instead, one
// connection at a time. Anything outside the subset throws rather than being guessed at.
import type * as k8s from "@kubernetes/client-node";

export interface Endpoint {
  namespace: string;
  namespaceLabels: Record<string, string>;
  podLabels: Record<string, string>;
}

function matches(selector: k8s.V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator !== "In") unmodelled(`the selector operator ${e.operator}`);
    if (!e.values!.includes(labels[e.key] as string)) return false;
  }
  return true;
}

function unmodelled(what: string): never {
  throw new Error(`network-policy model: ${what} is not modelled`);
}

function portAdmits(rp: k8s.V1NetworkPolicyPort, port: number): boolean {
  if (rp.endPort !== undefined) unmodelled("endPort");
  if (typeof rp.port === "string") unmodelled(`the named port ${rp.port}`);
  // No port: every port of the protocol.
  return (rp.port === undefined || rp.port === port) && (rp.protocol ?? "TCP") === "TCP";
}

function peerAdmits(peer: k8s.V1NetworkPolicyPeer, policyNamespace: string, from: Endpoint): boolean {
  if (peer.ipBlock) unmodelled("ipBlock");
  // A peer with only a podSelector means pods of the policy's own namespace.
  if (peer.namespaceSelector === undefined) return from.namespace === policyNamespace && matches(peer.podSelector, from.podLabels);
  return matches(peer.namespaceSelector, from.namespaceLabels) && matches(peer.podSelector, from.podLabels);
}

/** Whether `from` may open a TCP connection to `to` on `port`, given every policy in `to`'s namespace. */
export function admits(policies: k8s.V1NetworkPolicy[], from: Endpoint, to: Endpoint, port: number): boolean {
  for (const p of policies) {
    // Without policyTypes, Kubernetes infers Ingress (and Egress when egress rules exist).
    if (p.spec!.policyTypes === undefined) unmodelled("a policy without policyTypes");
    if (p.spec!.egress !== undefined) unmodelled("egress rules");
  }
  const selecting = policies.filter((p) => p.metadata!.namespace === to.namespace && matches(p.spec!.podSelector, to.podLabels) && p.spec!.policyTypes!.includes("Ingress"));
  // A pod no policy selects is open to all.
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec!.ingress ?? []).some((rule) => {
      // An absent or empty list matches everything.
      const portOk = rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((rp) => portAdmits(rp, port));
      // `_from` in @kubernetes/client-node's objects (the operator's), `from` in rendered YAML (the chart's).
      const peers = rule._from ?? (rule as { from?: k8s.V1NetworkPolicyPeer[] }).from;
      const peerOk = peers === undefined || peers.length === 0 || peers.some((peer) => peerAdmits(peer, p.metadata!.namespace!, from));
      return portOk && peerOk;
    }),
  );
}
