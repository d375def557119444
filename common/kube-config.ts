// client-node builds a new undici Agent for every API request (KubeConfig.applySecurityAuthentication
// calls createDispatcher each time), so every call opens a TLS connection of its own and keeps it
// until it idles out. In a 1,000-tenant burst the operator held ~600 sockets to the apiserver and
// ~190 MB of native memory for them, and paid a TLS handshake per request. Everything the operator
// sends goes to one apiserver with one identity, so one pooled dispatcher serves every request.
// The router, control plane and CLI load their kubeconfig through here for the same reason.
import * as k8s from "@kubernetes/client-node";

type DispatcherFactory = (cluster: unknown, agentOptions: unknown) => unknown;
const kShared = Symbol("lsp.sharedDispatcher");

/** Makes `kc` reuse the first dispatcher it builds (idempotent). Tokens travel as headers, not in the dispatcher. */
export function shareOneDispatcher(kc: k8s.KubeConfig): void {
  const target = kc as unknown as { createDispatcher: DispatcherFactory; [kShared]?: true };
  if (target[kShared]) return;
  const build = target.createDispatcher.bind(kc);
  let shared: unknown;
  target.createDispatcher = (cluster, agentOptions) => (shared ??= build(cluster, agentOptions));
  target[kShared] = true;
}

/**
 * The kubeconfig every component but the operator uses: from a file (and context) when given,
 * else KUBECONFIG, ~/.kube/config or the pod's service account; one pooled dispatcher either way.
 */
export function loadKubeConfig(options: { file?: string; context?: string } = {}): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (options.file) kc.loadFromFile(options.file);
  else kc.loadFromDefault();
  if (options.context) kc.setCurrentContext(options.context);
  shareOneDispatcher(kc);
  return kc;
}
