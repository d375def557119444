// A kubeconfig that points Kubernetes clients at the local platform's API (plain HTTP, loopback).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeLocalKubeconfig(path: string, server: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const config = {
    apiVersion: "v1",
    kind: "Config",
    // client-node refuses plain HTTP unless TLS verification is explicitly off; the API is loopback-only.
    clusters: [{ name: "lsp-local-platform", cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: "local", user: {} }],
    contexts: [{ name: "lsp-local-platform", context: { cluster: "lsp-local-platform", user: "local" } }],
    "current-context": "lsp-local-platform",
  };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
}
