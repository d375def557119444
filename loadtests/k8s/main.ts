// npm run loadtest:k8s -- --help : prints a k6 ConfigMap + Job for one cell (pipe to kubectl apply -f -).
import { Command, InvalidArgumentError } from "commander";
import { PROFILE_NAMES } from "../lib/k6.js";
import { k6JobYaml } from "./manifests.js";

const program = new Command()
  .name("loadtest:k8s")
  .description("Prints a ConfigMap with the k6 scripts and a Job that runs a profile against one cell's tenant, inside the cluster.")
  .requiredOption("--cell <name>", "the Cell under test (names the objects)")
  .requiredOption("--target <url>", "the tenant's URL through the router")
  .requiredOption("--location <id>", "location id whose dashboard is read and where sales are recorded")
  .requiredOption("--menu-item <id>", "menu item the sales writes sell")
  .option("--profile <name>", `one of ${PROFILE_NAMES.join(", ")}`, "smoke")
  .option("--namespace <ns>", "where the Job runs", "lsp-loadtest")
  .option("--secret <name>", "Secret with access-token (+ momo-partner-code, momo-access-key, momo-secret-key)", "lsp-loadtest")
  .option("--load-scale <x>", "multiply every scenario's virtual users", (v) => {
    const n = Number(v);
    if (!(n > 0)) throw new InvalidArgumentError("must be a positive number");
    return n;
  }, 1)
  .addHelpText("after", "\nExample:\n  npm run -s loadtest:k8s -- --cell shared-1 --target https://pho.localstoreplatform.com --location <uuid> --menu-item <uuid> | kubectl apply -f -");
const o = program.parse().opts<{ cell: string; target: string; location: string; menuItem: string; profile: string; namespace: string; secret: string; loadScale: number }>();
if (!(PROFILE_NAMES as readonly string[]).includes(o.profile)) program.error(`error: --profile must be one of ${PROFILE_NAMES.join(", ")}`);
process.stdout.write(k6JobYaml({ cell: o.cell, namespace: o.namespace, profile: o.profile, targetUrl: o.target, locationId: o.location, menuItemId: o.menuItem, secretName: o.secret, loadScale: o.loadScale }));
