import { afterAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { pino } from "pino";
import { eventually, testKube, uniqueInstance } from "../testing/harness.js";
import { ResilientInformer } from "./informer.js";
import { createMetrics } from "./metrics.js";

const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

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

describe("Given an informer restarted while its objects change", () => {
  const kube = testKube();
  const id = uniqueInstance("r");
  const group = `${id}.probe.localstoreplatform.com`;
  const crdName = `gadgets.${group}`;
  const api = { group, version: "v1", plural: "gadgets" };
  const gadget = (name: string, colour: string) => ({ apiVersion: `${group}/v1`, kind: "Gadget", metadata: { name, labels: { colour } } });
  const metrics = createMetrics();
  const seen: string[] = [];
  /** Events whose object the informer's reads did not show at the time (a reconcile would have read stale state). */
  const stale: string[] = [];
  let lists = 0;
  const informer = new ResilientInformer<k8s.KubernetesObject>({
    kc: kube.kc,
    path: `/apis/${group}/v1/gadgets`,
    list: async () => {
      // The second list is a restart's: change and delete objects first, as if while no watch ran.
      if (++lists === 2) {
        await kube.custom.patchClusterCustomObject({ ...api, name: "kept", body: { metadata: { labels: { colour: "blue" } } } }, mergePatch);
        await kube.custom.deleteClusterCustomObject({ ...api, name: "doomed" });
      }
      return kube.custom.listClusterCustomObject(api) as never;
    },
    onChange: (o, event) => {
      const name = o.metadata?.name ?? "";
      seen.push(`${event}:${name}:${o.metadata?.labels?.colour}`);
      const read = informer.get(name);
      if (event === "delete" ? read !== undefined : read?.metadata?.resourceVersion !== o.metadata?.resourceVersion) stale.push(`${event}:${name}`);
    },
    log: pino({ level: "silent" }),
    metrics,
    // No activity for 1.5 s counts as a stall: the quiet resource makes the informer restart.
    stallMs: 1_500,
  });

  afterAll(async () => {
    await informer.stop();
    await kube.extensions.deleteCustomResourceDefinition({ name: crdName }).catch(() => {});
  });

  it("hands on the restart's events only once reads show them, and reports what was deleted meanwhile", async () => {
    await kube.extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: { group, scope: "Cluster", names: { plural: "gadgets", singular: "gadget", kind: "Gadget" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true } } }] },
      },
    });
    await eventually("CRD served", () => kube.custom.listClusterCustomObject(api).then(() => true), 30_000);
    for (const name of ["kept", "doomed"]) await kube.custom.createClusterCustomObject({ ...api, body: gadget(name, "red") });

    await informer.start();
    expect(informer.get("kept")?.metadata?.labels?.colour).toBe("red");
    await eventually("a restart listed the changes", async () => lists >= 2 && informer.get("kept")?.metadata?.labels?.colour === "blue", 30_000);
    expect(informer.get("doomed")).toBeUndefined();
    expect(seen).toEqual(expect.arrayContaining(["add:kept:blue", "delete:doomed:red"]));
    expect(stale).toEqual([]);
  }, 90_000);
});
