import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { loadKubeConfig, shareOneDispatcher } from "./kube-config.js";

// A throwaway CA-less TLS kubeconfig is enough: client-node builds the dispatcher from the CA and
// client-certificate options without connecting.
const kubeconfig = (kc: k8s.KubeConfig) =>
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: Buffer.from("not a real CA").toString("base64") }],
    users: [{ name: "u", token: "t0ken" }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });

async function dispatcherOf(kc: k8s.KubeConfig): Promise<unknown> {
  const context = new k8s.RequestContext("https://127.0.0.1:6443/api/v1/namespaces", k8s.HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return context.getDispatcher();
}

describe("Given the operator's kubeconfig", () => {
  it("sends every request through one pooled dispatcher instead of a new one (and a new TLS connection) per request", async () => {
    const plain = new k8s.KubeConfig();
    kubeconfig(plain);
    const [a, b] = [await dispatcherOf(plain), await dispatcherOf(plain)];
    // What client-node does on its own: a fresh dispatcher per request.
    expect(a).toBeDefined();
    expect(a).not.toBe(b);

    const shared = new k8s.KubeConfig();
    kubeconfig(shared);
    shareOneDispatcher(shared);
    shareOneDispatcher(shared);
    const first = await dispatcherOf(shared);
    expect(first).toBeDefined();
    expect(await dispatcherOf(shared)).toBe(first);
    expect(await dispatcherOf(shared)).toBe(first);
  });
});

describe("Given a kubeconfig file loaded for the router, control plane or CLI", () => {
  it("uses the context asked for and one pooled dispatcher", async () => {
    const source = new k8s.KubeConfig();
    kubeconfig(source);
    const dir = mkdtempSync(join(tmpdir(), "lsp-kubeconfig-"));
    const file = join(dir, "config");
    const exported = JSON.parse(source.exportConfig()) as { contexts: { name: string; context: unknown }[] };
    exported.contexts.push({ name: "other", context: { cluster: "c", user: "u" } });
    writeFileSync(file, JSON.stringify(exported));
    try {
      const kc = loadKubeConfig({ file, context: "other" });
      expect(kc.getCurrentContext()).toBe("other");
      const first = await dispatcherOf(kc);
      expect(first).toBeDefined();
      expect(await dispatcherOf(kc)).toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
