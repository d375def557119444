// A real Kubernetes control plane on loopback, from binaries built from source:
// etcd → kube-apiserver → kube-controller-manager → kube-scheduler → kwok (fake nodes).
// Tests and `npm run cluster:up` use it; the kubeconfig has the admin credentials embedded.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { ensurePki, type ClusterPki } from "./cluster-pki.js";
import { freePort, startProcess, waitUntil, type ServiceProcess } from "./processes.js";
import { toolPath } from "./toolchain.js";

export interface ClusterHandle {
  kubeconfig: string;
  server: string;
  stateDir: string;
  /** Runs the cluster's own kubectl against it. */
  kubectl(args: string[], input?: string): string;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  stateDir: string;
  /** Fake nodes kwok manages; pods scheduled to them become Running and Ready. */
  nodes?: number;
  log?: (message: string) => void;
}

export async function startCluster(options: StartClusterOptions): Promise<ClusterHandle> {
  const { stateDir } = options;
  const log = options.log ?? (() => {});
  const started: ServiceProcess[] = [];
  const stopAll = async () => {
    for (const service of started.reverse()) await service.stop(3_000);
  };
  try {
    mkdirSync(stateDir, { recursive: true });
    const advertise = advertiseAddress();
    const pki = ensurePki(join(stateDir, "pki"), advertise);
    const etcdDir = join(stateDir, "etcd");
    rmSync(etcdDir, { recursive: true, force: true });

    const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    log("starting etcd");
    const etcd = startProcess(stateDir, "etcd", toolPath("etcd"), [
      "--name", "lsp", "--data-dir", etcdDir, "--unsafe-no-fsync=true", "--log-level", "warn",
      "--listen-client-urls", `http://127.0.0.1:${etcdPort}`, "--advertise-client-urls", `http://127.0.0.1:${etcdPort}`,
      "--listen-peer-urls", `http://127.0.0.1:${etcdPeerPort}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeerPort}`,
      "--initial-cluster", `lsp=http://127.0.0.1:${etcdPeerPort}`, "--quota-backend-bytes", String(2 * 1024 ** 3),
    ]);
    started.push(etcd);
    await waitUntil(etcd, "etcd health", () => httpOk(`http://127.0.0.1:${etcdPort}/health`), 30_000);

    log("starting kube-apiserver");
    const apiserver = startProcess(stateDir, "kube-apiserver", toolPath("kube-apiserver"), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      "--bind-address=127.0.0.1", `--secure-port=${apiPort}`, `--advertise-address=${advertise}`,
      `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`, `--client-ca-file=${pki.caCert}`,
      "--authorization-mode=Node,RBAC", "--allow-privileged=true",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      "--service-cluster-ip-range=10.96.0.0/16", "--enable-priority-and-fairness=false",
      "--profiling=false", "--v=1",
    ]);
    started.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    await waitUntil(apiserver, "/readyz", () => httpsOk(`${server}/readyz`, pki), 90_000);
    const kubeconfig = writeKubeconfig(join(stateDir, "kubeconfig"), server, pki);

    log("starting kube-controller-manager, kube-scheduler and kwok");
    started.push(
      startProcess(stateDir, "kube-controller-manager", toolPath("kube-controller-manager"), [
        `--kubeconfig=${kubeconfig}`, "--controllers=*", "--leader-elect=false", "--use-service-account-credentials=true",
        `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
        `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
        "--bind-address=127.0.0.1", `--secure-port=${await freePort()}`, "--concurrent-gc-syncs=20",
        "--node-monitor-grace-period=40s", "--v=1",
      ]),
      startProcess(stateDir, "kube-scheduler", toolPath("kube-scheduler"), [
        `--kubeconfig=${kubeconfig}`, "--leader-elect=false",
        `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
        "--bind-address=127.0.0.1", `--secure-port=${await freePort()}`, "--v=1",
      ]),
      startProcess(stateDir, "kwok", toolPath("kwok"), [
        `--kubeconfig=${kubeconfig}`, "--manage-all-nodes=true", `--server-address=127.0.0.1:${await freePort()}`,
        "--cidr=10.244.0.0/16", `--node-ip=${advertise}`,
        // Heartbeat through node Leases: without it kwok refreshes node status only every ~45 s,
        // past the controller-manager's 40 s grace period, so nodes flap NotReady.
        "--node-lease-duration-seconds=40",
      ]),
    );
    const kubectl = (args: string[], input?: string) =>
      execFileSync(toolPath("kubectl"), [`--kubeconfig=${kubeconfig}`, ...args], { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });

    for (let i = 0; i < (options.nodes ?? 2); i++) kubectl(["apply", "-f", "-"], JSON.stringify(fakeNode(`kwok-node-${i}`)));
    // The `default` ServiceAccount must exist before pods can be admitted in the namespace.
    await waitUntil(undefined, "default ServiceAccount in namespace default", async () => {
      kubectl(["get", "serviceaccount", "default", "-n", "default"]);
      return true;
    }, 60_000);
    await waitUntil(undefined, "fake nodes Ready", async () => {
      const out = kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}"]);
      return out.split(" ").filter((s) => s === "True").length === (options.nodes ?? 2);
    }, 60_000);
    log(`cluster ready at ${server}`);
    return { kubeconfig, server, stateDir, kubectl, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function fakeNode(name: string) {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { type: "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" }, annotations: { "kwok.x-k8s.io/node": "fake" } },
    spec: {},
    status: {
      allocatable: { cpu: "64", memory: "256Gi", pods: "500" },
      capacity: { cpu: "64", memory: "256Gi", pods: "500" },
    },
  };
}

/** The apiserver refuses to advertise loopback; use the host's first other IPv4 address (no traffic goes to it). */
function advertiseAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "10.255.255.1";
}

function writeKubeconfig(path: string, server: string, pki: ClusterPki): string {
  const b64 = (file: string) => readFileSync(file).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "lsp-local", cluster: { server, "certificate-authority-data": b64(pki.caCert) } }],
    users: [{ name: "admin", user: { "client-certificate-data": b64(pki.adminCert), "client-key-data": b64(pki.adminKey) } }],
    contexts: [{ name: "lsp-local", context: { cluster: "lsp-local", user: "admin" } }],
    "current-context": "lsp-local",
  };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

function httpOk(url: string): Promise<boolean> {
  return fetch(url).then((r) => r.ok, () => false);
}

function httpsOk(url: string, pki: ClusterPki): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey), timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}
