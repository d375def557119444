// Credentials of a ServiceAccount the chart created: a TokenRequest token in a kubeconfig that has
// the test cluster's server and CA but none of the admin's credentials.
import * as k8s from "@kubernetes/client-node";
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";

export async function serviceAccountKubeconfig(admin: k8s.KubeConfig, namespace: string, name: string, file: string): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error("admin kubeconfig has no current cluster");
  const user = `system:serviceaccount:${namespace}:${name}`;
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: { server: cluster.server, ...(cluster.caData ? { "certificate-authority-data": cluster.caData } : { "certificate-authority": cluster.caFile }) } }],
      users: [{ name: user, user: { token: request.status!.token } }],
      contexts: [{ name: "sa", context: { cluster: "test", user } }],
      "current-context": "sa",
    }),
    { mode: 0o600 },
  );
  return file;
}

/**
 * The environment a pod of this Deployment would see, resolved against the cluster: plain values,
 * Secret keys (read with the admin's client) and the pod name. Anything else is refused, so the
 * test cannot silently run with a setting the chart did not give.
 */
export async function podEnvironment(admin: k8s.KubeConfig, deployment: k8s.V1Deployment, podName: string): Promise<Record<string, string>> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const namespace = deployment.metadata!.namespace!;
  const env: Record<string, string> = {};
  for (const e of deployment.spec!.template.spec!.containers[0]!.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const secret = await core.readNamespacedSecret({ name: name!, namespace });
      const data = secret.data?.[key];
      if (data === undefined) throw new Error(`env ${e.name}: Secret ${namespace}/${name} has no key ${key}`);
      env[e.name] = Buffer.from(data, "base64").toString();
    } else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = podName;
    else throw new Error(`env ${e.name}: cannot resolve ${JSON.stringify(e.valueFrom)} outside a pod`);
  }
  return env;
}
