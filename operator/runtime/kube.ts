// Kubernetes API clients for the operator: one field manager, server-side apply for everything it
// owns, and every request counted in rest_client_requests_total (apiserver requests per reconcile).
import * as k8s from "@kubernetes/client-node";
import { shareOneDispatcher } from "../../common/kube-config.js";
import type { OperatorMetrics } from "./metrics.js";

export const FIELD_MANAGER = "lsp-operator";
const applyOptions = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply);
const mergeOptions = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

export interface Kube {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  coordination: k8s.CoordinationV1Api;
  custom: k8s.CustomObjectsApi;
  objects: k8s.KubernetesObjectApi;
  /** Server-side apply of an object the operator owns (force: the operator is the only writer of these fields). */
  apply<T extends k8s.KubernetesObject>(object: T): Promise<T>;
  /** Server-side apply of a custom resource's status subresource. */
  applyStatus(plural: string, object: { apiVersion: string; kind: string; metadata: { name: string }; status: unknown }): Promise<void>;
  /** JSON merge patch of a cluster-scoped custom resource (finalizers, guarded by resourceVersion). */
  mergePatch(plural: string, name: string, patch: object): Promise<unknown>;
}

export function loadKubeConfig(path?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

export function createKube(kc: k8s.KubeConfig, metrics?: OperatorMetrics): Kube {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const host = new URL(cluster.server).host;
  shareOneDispatcher(kc);
  const base = new k8s.IsomorphicFetchHttpLibrary();
  // Count at the transport so every generated client (and the informers' lists) is included.
  const httpApi: k8s.HttpLibrary = {
    send(request) {
      const method = request.getHttpMethod();
      return base.send(request).pipe((response: k8s.ResponseContext) => {
        metrics?.restRequests.inc({ code: String(response.httpStatusCode), method, host });
        return response;
      }) as ReturnType<k8s.HttpLibrary["send"]>;
    },
  };
  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi,
  });
  const custom = new k8s.CustomObjectsApi(configuration);
  const objects = new k8s.KubernetesObjectApi(configuration);
  const [group, version] = ["localstoreplatform.com", "v1alpha1"];
  return {
    kc,
    core: new k8s.CoreV1Api(configuration),
    apps: new k8s.AppsV1Api(configuration),
    coordination: new k8s.CoordinationV1Api(configuration),
    custom,
    objects,
    apply: (object) => objects.patch(object, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply),
    async applyStatus(plural, object) {
      await custom.patchClusterCustomObjectStatus({ group, version, plural, name: object.metadata.name, body: object, fieldManager: FIELD_MANAGER, force: true }, applyOptions);
    },
    mergePatch: (plural, name, patch) => custom.patchClusterCustomObject({ group, version, plural, name, body: patch }, mergeOptions),
  };
}

/** HTTP status of an apiserver error, or undefined for anything else (network errors, bugs). */
export function statusCode(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}

export const isNotFound = (error: unknown) => statusCode(error) === 404;
export const isConflict = (error: unknown) => statusCode(error) === 409;
