import { afterAll, describe, expect, it } from "@jest/globals";
import type * as k8s from "@kubernetes/client-node";
import { pino } from "pino";
import { eventually, testKube, uniqueInstance } from "../testing/harness.js";
import { ResilientInformer } from "./informer.js";
import { createMetrics } from "./metrics.js";

describe("Given an informer started before its resource exists", () => {
  const kube = testKube();
  const id = uniqueInstance("i");
  const group = `${id}.probe.localstoreplatform.com`;
  const crdName = `widgets.${group}`;
  const metrics = createMetrics();
  const seen: string[] = [];
  const informer = new ResilientInformer<k8s.KubernetesObject>({
    kc: kube.kc,
    path: `/apis/${group}/v1/widgets`,
    list: () => kube.custom.listClusterCustomObject({ group, version: "v1", plural: "widgets" }) as never,
    onChange: (o, event) => seen.push(`${event}:${o.metadata?.name}`),
    log: pino({ level: "silent" }),
    metrics,
    maxBackoffMs: 1_000,
    resyncMs: 1_000,
  });

  afterAll(async () => {
    await informer.stop();
    await kube.extensions.deleteCustomResourceDefinition({ name: crdName }).catch(() => {});
  });

  it("keeps restarting with backoff through the errors, then lists, watches and resyncs once it appears", async () => {
    await informer.start();
    await eventually("restarts after errors", async () => (await metrics.informerRestarts.get()).values.some((v) => v.value >= 2), 20_000);
    expect(informer.hasSynced).toBe(false);

    await kube.extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: { group, scope: "Cluster", names: { plural: "widgets", singular: "widget", kind: "Widget" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true } } }] },
      },
    });
    await eventually("CRD served", () => kube.custom.listClusterCustomObject({ group, version: "v1", plural: "widgets" }).then(() => true), 30_000);
    await kube.custom.createClusterCustomObject({ group, version: "v1", plural: "widgets", body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "first" } } });
    await eventually("synced and saw the object", async () => informer.hasSynced && informer.get("first") !== undefined, 30_000);

    await kube.custom.createClusterCustomObject({ group, version: "v1", plural: "widgets", body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "second" } } });
    await eventually("watched the second", async () => seen.includes("add:second"), 15_000);
    await eventually("periodic resync replays the cache", async () => seen.includes("resync:first"), 5_000);
  }, 90_000);
});
