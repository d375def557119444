// Which connections a set of NetworkPolicies admits, by the rules of networking.k8s.io/v1, for
// the subset the operator writes (ingress only; matchLabels and `In` expressions; namespace and pod
// selectors in one peer meaning both). The test clusters (kwok) run no network plugin, so nothing
// enforces policies there: the unit tests ask this model instead, one connection at a time.
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
    if (e.operator !== "In") throw new Error(`network-policy model: operator ${e.operator} not modelled`);
    if (!e.values!.includes(labels[e.key] as string)) return false;
  }
  return true;
}

function peerAdmits(peer: k8s.V1NetworkPolicyPeer, policyNamespace: string, from: Endpoint): boolean {
  if (peer.ipBlock) throw new Error("network-policy model: ipBlock not modelled");
  // A peer with only a podSelector means pods of the policy's own namespace.
  if (peer.namespaceSelector === undefined) return from.namespace === policyNamespace && matches(peer.podSelector, from.podLabels);
  return matches(peer.namespaceSelector, from.namespaceLabels) && matches(peer.podSelector, from.podLabels);
}

/** Whether `from` may open a TCP connection to `to` on `port`, given every policy in `to`'s namespace. */
export function admits(policies: k8s.V1NetworkPolicy[], from: Endpoint, to: Endpoint, port: number): boolean {
  const selecting = policies.filter((p) => p.metadata!.namespace === to.namespace && matches(p.spec!.podSelector, to.podLabels) && p.spec!.policyTypes?.includes("Ingress"));
  // A pod no policy selects is open to all.
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec!.ingress ?? []).some((rule) => {
      const portOk = rule.ports === undefined || rule.ports.some((rp) => rp.port === port && (rp.protocol ?? "TCP") === "TCP");
      const peerOk = rule._from === undefined || rule._from.some((peer) => peerAdmits(peer, p.metadata!.namespace!, from));
      return portOk && peerOk;
    }),
  );
}
