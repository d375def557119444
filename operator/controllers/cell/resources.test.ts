import { describe, expect, it } from "@jest/globals";
import type { Cell } from "../../api/v1alpha1/index.js";
import { cellQuotaHard, DEFAULT_RESOURCES, parseQuantity, podResources } from "./resources.js";

const cell = (spec: Partial<Cell["spec"]> = {}): Cell => ({
  apiVersion: "localstoreplatform.com/v1alpha1",
  kind: "Cell",
  metadata: { name: "shared-1", uid: "u1", generation: 1 },
  spec: { class: "shared", capacity: 100, version: "0.1.0", api: { replicas: 2 }, ml: { replicas: 1 }, redis: { enabled: true }, deletionPolicy: "Retain", ...spec },
});

describe("Given Kubernetes quantities", () => {
  it.each([
    ["250m", 0.25],
    ["2", 2],
    ["1.5", 1.5],
    ["512Mi", 512 * 2 ** 20],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["1G", 1e9],
    ["1e3", 1000],
    [3, 3],
  ])("reads %s as %d base units", (quantity, value) => {
    expect(parseQuantity(quantity)).toBeCloseTo(value);
  });

  it("refuses what is not a quantity", () => {
    expect(() => parseQuantity("lots")).toThrow(/not a quantity/);
  });
});

describe("Given a cell component's resources", () => {
  it("gives every component requests and a memory limit when the Cell's spec says nothing (no pod is BestEffort)", () => {
    for (const component of ["api", "ml", "redis"] as const) {
      const r = podResources(component, undefined);
      expect(r).toEqual(DEFAULT_RESOURCES[component]);
      expect(r.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(r.limits).toEqual({ memory: expect.any(String) });
    }
  });

  it("lets the spec override key by key, keeping the defaults it does not name", () => {
    expect(podResources("api", { requests: { cpu: "1" }, limits: { cpu: "2" } })).toEqual({ requests: { cpu: "1", memory: "256Mi" }, limits: { cpu: "2", memory: "512Mi" } });
  });

  it("raises a default limit below what the spec requests, and lowers a default request above the spec's limit", () => {
    expect(podResources("api", { requests: { memory: "2Gi" } })).toEqual({ requests: { cpu: "250m", memory: "2Gi" }, limits: { memory: "2Gi" } });
    expect(podResources("api", { limits: { memory: "128Mi" } })).toEqual({ requests: { cpu: "250m", memory: "128Mi" }, limits: { memory: "128Mi" } });
  });
});

describe("Given a cell's quota", () => {
  it("caps CPU and memory requests and memory limits at twice what its pods ask for, plus two one-off pods at the LimitRange defaults", () => {
    // api 2 × (250m, 256Mi, 512Mi) + ml 1 × (100m, 256Mi, 512Mi) + redis 1 × (50m, 64Mi, 192Mi) = 650m, 832Mi, 1728Mi
    expect(cellQuotaHard(cell())).toEqual({ pods: "10", "requests.cpu": "1400m", "requests.memory": "1792Mi", "limits.memory": "3968Mi" });
  });

  it("follows the spec's replicas and resources, and leaves Redis out when it is disabled", () => {
    const hard = cellQuotaHard(cell({ api: { replicas: 4, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } } }, redis: { enabled: false } }));
    // api 4 × (1, 1Gi, 1Gi) + ml 1 × (100m, 256Mi, 512Mi) = 4100m, 4352Mi, 4608Mi
    expect(hard).toEqual({ pods: "12", "requests.cpu": "8300m", "requests.memory": "8832Mi", "limits.memory": "9728Mi" });
  });
});
