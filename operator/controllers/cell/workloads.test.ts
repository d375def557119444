import { describe, expect, it } from "@jest/globals";
import type * as k8s from "@kubernetes/client-node";
import type { Cell } from "../../api/v1alpha1/index.js";
import { Labels } from "../../names.js";
import type { OperatorContext } from "../context.js";
import { componentState } from "./workloads.js";

const cell = { metadata: { name: "shared-1" }, spec: { version: "1.5.0" } } as unknown as Cell;

function contextWith(deployment: Partial<k8s.V1Deployment>): OperatorContext {
  const d = { metadata: { labels: { [Labels.cell]: "shared-1" }, generation: 3 }, ...deployment } as k8s.V1Deployment;
  return { deployments: { get: () => d } } as unknown as OperatorContext;
}

const running = (image: string, replicas: number, available: number): Partial<k8s.V1Deployment> => ({
  metadata: { labels: { [Labels.cell]: "shared-1" }, generation: 3 },
  spec: { replicas, selector: {}, template: { spec: { containers: [{ name: "api", image }] } } },
  status: { observedGeneration: 3, availableReplicas: available, updatedReplicas: available },
});

describe("Given a cell component's Deployment in the cache", () => {
  it("is ready when the cell's version runs on every replica", () => {
    expect(componentState(contextWith(running("lsp/cell:1.5.0", 2, 2)), cell, "api")).toEqual({ ready: true, message: "2/2 replicas available" });
  });

  it("is not ready while the cache still shows the previous version fully available (right after the apply)", () => {
    const state = componentState(contextWith(running("lsp/cell:1.4.0", 2, 2)), cell, "api");
    expect(state).toEqual({ ready: false, message: "2/2 replicas available (rollout of 1.5.0 pending)" });
  });

  it("is never ready scaled to zero: no pod would serve its tenants", () => {
    expect(componentState(contextWith(running("lsp/cell:1.5.0", 0, 0)), cell, "api")).toEqual({ ready: false, message: "scaled to 0 replicas" });
  });
});
