// Kubernetes Events for transitions and failures, shown by `kubectl describe tenant|cell`.
// Cluster-scoped objects' events live in the "default" namespace, as client-go's recorder puts them.
// Repeats of the same event within a few minutes are folded into one by a counter, not re-created.
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid?: string; namespace?: string };
}

export type EventRecorder = (target: EventTarget, type: "Normal" | "Warning", reason: string, message: string) => void;

const FOLD_MS = 5 * 60_000;
/** Events are a debugging aid, never worth slowing reconciles: beyond this rate they are dropped. */
const EVENTS_PER_SECOND = 2;
const EVENT_BURST = 25;
const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

export function createEventRecorder(core: k8s.CoreV1Api, component: string, log: Logger): EventRecorder {
  const recent = new Map<string, { name: string; namespace: string; count: number; at: number }>();
  let tokens = EVENT_BURST;
  let refilledAt = Date.now();
  return (target, type, reason, message) => {
    const nowMs = Date.now();
    tokens = Math.min(EVENT_BURST, tokens + ((nowMs - refilledAt) / 1000) * EVENTS_PER_SECOND);
    refilledAt = nowMs;
    if (tokens < 1) {
      log.debug({ kind: target.kind, name: target.metadata.name, reason }, "Dropped Event (rate limit)");
      return;
    }
    tokens -= 1;
    const namespace = target.metadata.namespace ?? "default";
    const key = `${target.kind}/${target.metadata.name}/${type}/${reason}/${message}`;
    const now = new Date();
    const seen = recent.get(key);
    const write = async () => {
      if (seen && now.getTime() - seen.at < FOLD_MS) {
        seen.count++;
        seen.at = now.getTime();
        await core.patchNamespacedEvent({ name: seen.name, namespace: seen.namespace, body: { count: seen.count, lastTimestamp: now } }, mergePatch);
        return;
      }
      const name = `${target.metadata.name}.${now.getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}`;
      await core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name, namespace },
          involvedObject: { apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name, uid: target.metadata.uid, namespace: target.metadata.namespace },
          type,
          reason,
          message,
          source: { component },
          reportingComponent: component,
          reportingInstance: component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      if (recent.size > 5_000) recent.clear();
      recent.set(key, { name, namespace, count: 1, at: now.getTime() });
    };
    write().catch((error: unknown) => log.debug({ reason, err: String(error) }, "Could not record Event"));
  };
}
