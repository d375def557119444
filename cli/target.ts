// Which API the `lsp` CLI talks to: a cluster from a kubeconfig, or the local platform, whose
// Kubernetes-compatible API writes its own kubeconfig to .lsp/local/kubeconfig when it starts.
import * as k8s from "@kubernetes/client-node";
import { loadKubeConfig } from "../common/kube-config.js";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const LOCAL_KUBECONFIG = resolve(import.meta.dirname, "..", ".lsp", "local", "kubeconfig");

export interface Target {
  description: string;
  api: k8s.CustomObjectsApi;
}

export class TargetError extends Error {}

export function resolveTarget(options: { kubeconfig?: string; context?: string; local?: boolean }): Target {
  const path = options.local ? LOCAL_KUBECONFIG : (options.kubeconfig ?? process.env.KUBECONFIG ?? LOCAL_KUBECONFIG);
  if (!existsSync(path)) {
    if (path === LOCAL_KUBECONFIG) {
      throw new TargetError("no local platform is running (start it with scripts/start), and no --kubeconfig was given");
    }
    throw new TargetError(`kubeconfig ${path} does not exist`);
  }
  const kc = loadKubeConfig({ file: path, context: options.context });
  const server = kc.getCurrentCluster()?.server ?? "?";
  return { description: path === LOCAL_KUBECONFIG ? `local platform (${server})` : `${server} (${join(path)})`, api: kc.makeApiClient(k8s.CustomObjectsApi) };
}
