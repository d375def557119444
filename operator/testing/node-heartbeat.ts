// Renews the kwok fake nodes' Leases in kube-node-lease, as a kubelet does. The project's test
// cluster now starts kwok with --node-lease-duration-seconds (scripts/services/cluster.ts), so
// this is only a second heartbeat; it keeps tests independent of how the cluster they are given
// was started (a kwok without leases refreshes node status only every ~45 s, past the 40 s grace
// period, and nodes flap NotReady).
import type * as k8s from "@kubernetes/client-node";
import { microTime } from "../runtime/leader.js";

const NAMESPACE = "kube-node-lease";

export function startNodeHeartbeat(core: k8s.CoreV1Api, coordination: k8s.CoordinationV1Api, everyMs = 10_000): () => void {
  let stopped = false;
  const beat = async () => {
    const nodes = await core.listNode();
    for (const node of nodes.items) {
      const name = node.metadata!.name!;
      const spec: k8s.V1LeaseSpec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() };
      try {
        const lease = await coordination.readNamespacedLease({ name, namespace: NAMESPACE });
        await coordination.replaceNamespacedLease({ name, namespace: NAMESPACE, body: { ...lease, spec: { ...lease.spec, ...spec } } });
      } catch {
        await coordination.createNamespacedLease({ namespace: NAMESPACE, body: { metadata: { name, namespace: NAMESPACE }, spec } }).catch(() => {});
      }
    }
  };
  const loop = async () => {
    while (!stopped) {
      await beat().catch(() => {});
      await new Promise((r) => setTimeout(r, everyMs).unref());
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}
