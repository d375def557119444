// `npm run cluster:up` / `cluster:down` / `cluster:status`: a local Kubernetes control plane that
// outlives the command, for working on the operator by hand. State and kubeconfig: .lsp/cluster/.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startCluster } from "./cluster.js";
import { reapStale } from "./processes.js";

const stateDir = resolve(import.meta.dirname, "..", "..", ".lsp", "cluster");
const kubeconfig = join(stateDir, "kubeconfig");
const command = process.argv[2] ?? "help";

async function main(): Promise<void> {
  switch (command) {
    case "up": {
      const reaped = await reapStale(stateDir);
      if (reaped.length) console.log(`stopped the previous cluster: ${reaped.join(", ")}`);
      const started = Date.now();
      const cluster = await startCluster({ stateDir, log: (m) => console.log(`… ${m}`) });
      console.log(`\nKubernetes is up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.server}`);
      console.log(`  export KUBECONFIG=${kubeconfig}`);
      console.log(`  logs: ${stateDir}/*.log     stop: npm run cluster:down`);
      return;
    }
    case "down": {
      const reaped = await reapStale(stateDir);
      console.log(reaped.length ? `stopped ${reaped.join(", ")}` : "no local cluster was running");
      return;
    }
    case "status": {
      if (!existsSync(kubeconfig)) {
        console.log("no local cluster (start one with: npm run cluster:up)");
        return;
      }
      console.log(`kubeconfig: ${kubeconfig}\nserver: ${JSON.parse(readFileSync(kubeconfig, "utf8")).clusters[0].cluster.server}`);
      return;
    }
    default:
      console.log("usage: tsx scripts/services/cluster-cli.ts up|down|status\n  up      start etcd, kube-apiserver, controller-manager, scheduler and kwok (fake nodes)\n  down    stop them\n  status  print the kubeconfig path and server");
      process.exitCode = command === "help" || command === "--help" ? 0 : 2;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
