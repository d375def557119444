// The Tenant CRD on the test cluster: the operator's committed crds/ when present (what
// production runs), otherwise a minimal schemaless CRD so the registry can still be exercised.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { GROUP, TENANT_PLURAL, TenantCondition, VERSION, type Tenant } from "../../operator/api/v1alpha1/index.js";
import { toolPath } from "../../scripts/services/toolchain.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
export const TENANT_CRD_FILE = join(ROOT, "crds", "localstoreplatform.com_tenants.yaml");

const MINIMAL_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: tenants.localstoreplatform.com }
spec:
  group: localstoreplatform.com
  scope: Cluster
  names: { plural: tenants, singular: tenant, kind: Tenant }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources: { status: {} }
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;

export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(process.env.KUBECONFIG!);
  return kc;
}

export async function installTenantCrd(kc: KubeConfig): Promise<"crds/" | "minimal"> {
  const source = existsSync(TENANT_CRD_FILE) ? "crds/" : "minimal";
  const args = [`--kubeconfig=${process.env.KUBECONFIG}`, "apply", "--server-side", "--force-conflicts", "--field-manager=lsp-control-plane-tests", "-f"];
  execFileSync(toolPath("kubectl"), [...args, source === "crds/" ? TENANT_CRD_FILE : "-"], { input: source === "minimal" ? MINIMAL_CRD : undefined, stdio: "pipe" });
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (let i = 0; i < 120; i++) {
    const crd = await ext.readCustomResourceDefinition({ name: `${TENANT_PLURAL}.${GROUP}` });
    const established = crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    if (established && (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL }).then(() => true, () => false))) return source;
    await sleep(250);
  }
  throw new Error("the Tenant CRD was not established within 30 s");
}

/** Plays the operator's part where no operator runs: reports the Tenant Ready. */
export async function markTenantReady(kc: KubeConfig, name: string): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const tenant = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name })) as Tenant;
  const now = new Date().toISOString();
  const generation = tenant.metadata.generation;
  await custom.patchClusterCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      plural: TENANT_PLURAL,
      name,
      body: {
        status: {
          observedGeneration: generation,
          url: `https://${name}.localstoreplatform.com`,
          conditions: [{ type: TenantCondition.Ready, status: "True", reason: "TestMarkedReady", message: "marked ready by the control-plane test", lastTransitionTime: now, observedGeneration: generation }],
        },
      },
    },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}

export async function deleteTenant(kc: KubeConfig, name: string): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name, body: { metadata: { finalizers: [] } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)).catch(() => {});
  await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL, name }).catch(() => {});
}
