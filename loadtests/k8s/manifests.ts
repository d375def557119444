// A k6 Job per cell, for running the same scripts inside a cluster: a ConfigMap holding the k6
// files as they are in this repository (built from them, so they cannot drift) and a Job running
// the grafana/k6 image against the tenant's URL. The access token comes from a Secret the
// operator of the test creates; MoMo credentials too when webhooks should be loaded.
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";

const K6_DIR = resolve(import.meta.dirname, "..", "k6");

export interface K6JobOptions {
  /** The cell under test: names the objects and labels the results. */
  cell: string;
  namespace: string;
  profile: string;
  /** The tenant's URL through the router, e.g. https://pho-bo-hanoi.localstoreplatform.com. */
  targetUrl: string;
  locationId: string;
  menuItemId: string;
  /** Secret with key access-token (and momo-partner-code, momo-access-key, momo-secret-key for webhooks). */
  secretName: string;
  image?: string;
  loadScale?: number;
}

/** The ConfigMap's keys: k6 files by path under loadtests/k6 (ConfigMap keys cannot hold "/"). */
export function k6Files(): Map<string, string> {
  const files = new Map<string, string>();
  files.set("cell.js", readFileSync(join(K6_DIR, "cell.js"), "utf8"));
  for (const name of readdirSync(join(K6_DIR, "lib")).filter((f) => f.endsWith(".js")).sort()) files.set(`lib__${name}`, readFileSync(join(K6_DIR, "lib", name), "utf8"));
  return files;
}

export function k6JobManifests(o: K6JobOptions): object[] {
  const name = `k6-${o.cell}-${o.profile}`.slice(0, 63).replace(/-+$/, "");
  const labels = { "app.kubernetes.io/name": "k6", "app.kubernetes.io/part-of": "localstoreplatform", "lsp.dev/cell": o.cell, "lsp.dev/profile": o.profile };
  const files = k6Files();
  const optionalSecret = (env: string, key: string) => ({ name: env, valueFrom: { secretKeyRef: { name: o.secretName, key, optional: true } } });
  const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: o.namespace, labels }, data: Object.fromEntries(files) };
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: o.namespace, labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, runAsUser: 12345, seccompProfile: { type: "RuntimeDefault" } },
          volumes: [
            { name: "scripts", configMap: { name, items: [...files.keys()].map((key) => ({ key, path: key.replace("__", "/") })) } },
            { name: "results", emptyDir: {} },
          ],
          containers: [
            {
              name: "k6",
              image: o.image ?? "grafana/k6:1.8.1",
              args: ["run", "--no-usage-report", "/scripts/cell.js"],
              env: [
                { name: "PROFILE", value: o.profile },
                { name: "TARGET_URL", value: o.targetUrl },
                { name: "LOCATION_ID", value: o.locationId },
                { name: "MENU_ITEM_ID", value: o.menuItemId },
                { name: "LOAD_SCALE", value: String(o.loadScale ?? 1) },
                { name: "RESULT_FILE", value: "/results/summary.json" },
                { name: "ACCESS_TOKEN", valueFrom: { secretKeyRef: { name: o.secretName, key: "access-token" } } },
                optionalSecret("MOMO_PARTNER_CODE", "momo-partner-code"),
                optionalSecret("MOMO_ACCESS_KEY", "momo-access-key"),
                optionalSecret("MOMO_SECRET_KEY", "momo-secret-key"),
              ],
              volumeMounts: [
                { name: "scripts", mountPath: "/scripts", readOnly: true },
                { name: "results", mountPath: "/results" },
              ],
              resources: { requests: { cpu: "500m", memory: "256Mi" }, limits: { memory: "1Gi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
  return [configMap, job];
}

export function k6JobYaml(o: K6JobOptions): string {
  return k6JobManifests(o).map((m) => stringify(m)).join("---\n");
}
