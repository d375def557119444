import { describe, expect, it } from "@jest/globals";
import { k6Files, k6JobManifests } from "./manifests.js";

type Job = { kind: string; spec: { template: { spec: { volumes: { configMap?: { items: { key: string; path: string }[] } }[]; containers: { env: { name: string; value?: string }[] }[] } } } };

describe("Given a cell to load from inside the cluster", () => {
  const [configMap, job] = k6JobManifests({ cell: "shared-1", namespace: "lsp-loadtest", profile: "load", targetUrl: "https://pho.example.com", locationId: "loc", menuItemId: "item", secretName: "lsp-loadtest" }) as [
    { kind: string; metadata: { name: string }; data: Record<string, string> },
    Job,
  ];

  it("ships every k6 file in the ConfigMap and mounts each at its path under /scripts", () => {
    expect(configMap.metadata.name).toBe("k6-shared-1-load");
    expect(Object.keys(configMap.data).sort()).toEqual([...k6Files().keys()].sort());
    expect(configMap.data["lib__profiles.js"]).toContain("export const PROFILES");
    const items = job.spec.template.spec.volumes[0]!.configMap!.items;
    expect(items).toContainEqual({ key: "lib__thresholds.js", path: "lib/thresholds.js" });
    expect(items).toContainEqual({ key: "cell.js", path: "cell.js" });
  });

  it("passes the target and profile to k6 through the environment", () => {
    const env = Object.fromEntries(job.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ PROFILE: "load", TARGET_URL: "https://pho.example.com", LOCATION_ID: "loc", MENU_ITEM_ID: "item" });
  });
});
