// Where the binaries built by scripts/toolchain/build-kubernetes.sh live. Versions come from the
// same versions.sh the build script uses, so the two never disagree.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const versionsFile = join(dirname(fileURLToPath(import.meta.url)), "..", "toolchain", "versions.sh");

function pinnedVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const line of readFileSync(versionsFile, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)="([^"]*)"/.exec(line);
    if (match?.[1] && match[2] !== undefined) versions[match[1]] = match[2];
  }
  return versions;
}

export function cacheRoot(): string {
  return process.env.LSP_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "lsp");
}

export type Tool = "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kubectl" | "etcd" | "kwok" | "helm" | "k6" | "fortio";

const toolPackage: Record<Tool, [folder: string, versionKey: string]> = {
  "kube-apiserver": ["kubernetes", "KUBERNETES_VERSION"],
  "kube-controller-manager": ["kubernetes", "KUBERNETES_VERSION"],
  "kube-scheduler": ["kubernetes", "KUBERNETES_VERSION"],
  kubectl: ["kubernetes", "KUBERNETES_VERSION"],
  etcd: ["etcd", "ETCD_VERSION"],
  kwok: ["kwok", "KWOK_VERSION"],
  helm: ["helm", "HELM_VERSION"],
  k6: ["k6", "K6_VERSION"],
  fortio: ["fortio", "FORTIO_VERSION"],
};

/** Absolute path of a cached tool, or an error that says how to build it. */
export function toolPath(tool: Tool): string {
  const [folder, key] = toolPackage[tool];
  const version = pinnedVersions()[key];
  const path = join(cacheRoot(), "toolchain", `${folder}-${version}`, "bin", tool);
  if (!existsSync(path)) {
    throw new Error(`${tool} ${version} is not built yet (expected ${path}). Run: scripts/toolchain/build-kubernetes.sh ${folder}`);
  }
  return path;
}

export function kubernetesVersion(): string {
  return pinnedVersions().KUBERNETES_VERSION ?? "unknown";
}
